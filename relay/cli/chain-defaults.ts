import { declaredThresholds } from '../../workers/models/bundle/manifest.ts';
import type { ChainSettings } from '../../workers/models/chain/chain-policy.ts';
import type { ModelManifest, ModelRole } from '../../workers/models/bundle/manifest.ts';

/** Where a chain threshold came from: the option typed, the attached bundle's manifest (its id), or the chain's default. */
export type ThresholdSource = 'option' | 'default' | { manifest: string };

/**
 * The chain settings a command runs with: a --min-confidence or --guard-threshold given wins,
 * else what the attached alpha's and guard's manifests declare (their calibrated `thresholds`),
 * else the chain's defaults already in `chain`.
 */
export function chainWithDeclared(
  chain: ChainSettings,
  given: { minConfidence?: string; guardThreshold?: string },
  attached: Partial<Record<ModelRole, { id: string; manifest: ModelManifest }>>,
): { chain: ChainSettings; from: { minConfidence: ThresholdSource; guardThreshold: ThresholdSource } } {
  const declared = declaredThresholds({ alpha: attached.alpha?.manifest, guard: attached.guard?.manifest });
  const pick = (k: 'minConfidence' | 'guardThreshold', role: 'alpha' | 'guard'): [number, ThresholdSource] => {
    if (given[k] !== undefined) return [chain[k], 'option'];
    const d = declared[k];
    return d !== undefined ? [d, { manifest: attached[role]!.id }] : [chain[k], 'default'];
  };
  const [minConfidence, minFrom] = pick('minConfidence', 'alpha');
  const [guardThreshold, guardFrom] = pick('guardThreshold', 'guard');
  return { chain: { ...chain, minConfidence, guardThreshold }, from: { minConfidence: minFrom, guardThreshold: guardFrom } };
}

/** 'minimum confidence 0.4 from alpha:demo-alpha@1.1.0's manifest', for the lines a command prints. */
export function thresholdLine(what: string, value: number, from: ThresholdSource): string | null {
  return typeof from === 'object' ? `${what} ${value} from ${from.manifest}'s manifest` : null;
}
