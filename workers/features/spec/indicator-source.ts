import type { IndicatorDef } from '../indicators/types.ts';
import { INDICATORS } from '../indicators/index.ts';

/**
 * The one place a feature spec reaches the indicator library: specs name
 * indicators by registry key and never carry indicator math of their own.
 */
export function indicatorDef(key: string): IndicatorDef {
  const def = (INDICATORS as Readonly<Record<string, IndicatorDef | undefined>>)[key];
  if (!def) throw new Error(`feature spec needs indicator "${key}", which the indicator registry does not have`);
  return def;
}
