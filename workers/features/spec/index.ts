import type { FeatureSpec } from './spec.ts';
import { RISK_OBS_V1 } from './risk-obs-v1.ts';
import { lookupTable } from '../../util/own.ts';

export type { ContextColumns, ContextField, FeatureDef, FeatureGroup, FeatureSpec, TradeContext } from './spec.ts';
export { BAR_FIELDS, CONTEXT_FIELDS } from './spec.ts';
export { buildFeatureMatrix, type BarColumns, type BatchOptions, type FeatureMatrix } from './batch-builder.ts';
export { BatchWorkspace } from './batch-workspace.ts';
export { StreamingFeatureBuilder } from './streaming-builder.ts';
export type { FeatureRows } from './batch-rows.ts';
export { describeSpec } from './describe.ts';
export { RISK_OBS_V1 } from './risk-obs-v1.ts';

/** Every spec a model may have been trained on, by id. Old ids stay forever: models in the field still use them. */
export const FEATURE_SPECS: Readonly<Record<string, FeatureSpec>> = lookupTable({
  [RISK_OBS_V1.id]: RISK_OBS_V1,
});

export function getFeatureSpec(id: string): FeatureSpec {
  const spec = FEATURE_SPECS[id];
  if (!spec) throw new Error(`unknown feature spec "${id}" (known: ${Object.keys(FEATURE_SPECS).join(', ')})`);
  return spec;
}

export function listFeatureSpecs(): string[] {
  return Object.keys(FEATURE_SPECS);
}
