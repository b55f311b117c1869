/**
 * The classic indicator library: registry, `--set` parsing and batch
 * computation of named output columns. Conventions (TTR's) are documented per
 * indicator in docs/INDICATORS.md.
 */
import type { IndicatorDef, OhlcvColumns } from './types.ts';
import { adxDef } from './adx.ts';
import { atrDef } from './atr.ts';
import { bbDef, stddevDef } from './bollinger.ts';
import { cciDef } from './cci.ts';
import { emaDef, smaDef } from './ma.ts';
import { macdDef } from './macd.ts';
import { mfiDef } from './mfi.ts';
import { obvDef, rocDef } from './momentum.ts';
import { highestDef, lowestDef, stochDef, willrDef } from './range.ts';
import { rsiDef } from './rsi.ts';

export type { IndicatorDef, OhlcvColumns, StreamingIndicator } from './types.ts';
export { trueRange } from './math.ts';
export { trueRangeColumn } from './atr.ts';

export const INDICATORS: Record<string, IndicatorDef> = {
  sma: smaDef,
  ema: emaDef,
  rsi: rsiDef,
  atr: atrDef,
  macd: macdDef,
  bb: bbDef,
  stoch: stochDef,
  adx: adxDef,
  roc: rocDef,
  cci: cciDef,
  willr: willrDef,
  mfi: mfiDef,
  obv: obvDef,
  highest: highestDef,
  lowest: lowestDef,
  stddev: stddevDef,
};

/** One parsed `--set` item: an indicator and its full parameter list. */
export interface IndicatorSpec {
  def: IndicatorDef;
  params: number[];
}

/** Parameters that are multipliers rather than bar counts (any positive number). */
const MULTIPLIERS: Record<string, readonly string[]> = { bb: ['mult'] };

/**
 * Parses `ema:9,rsi:14,macd:12:26:9,bb:20:2,obv`: items separated by commas,
 * parameters by colons, in the order of `IndicatorDef.params`; an item without
 * parameters takes the defaults. Throws an Error naming the offending item for
 * an unknown key, a wrong parameter count, or a period that is not a positive
 * integer.
 */
export function parseIndicatorSet(s: string): IndicatorSpec[] {
  const specs: IndicatorSpec[] = [];
  for (const raw of s.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const [key, ...args] = item.split(':').map((x) => x.trim());
    const def = Object.prototype.hasOwnProperty.call(INDICATORS, key) ? INDICATORS[key] : undefined;
    if (!def) throw new Error(`indicator set: unknown indicator "${key}" in "${item}" (known: ${Object.keys(INDICATORS).join(', ')})`);
    if (args.length === 0) {
      specs.push({ def, params: [...def.defaults] });
      continue;
    }
    if (args.length !== def.params.length) {
      const expected = def.params.length === 0 ? 'no parameters' : `${def.params.length} (${def.params.join(':')})`;
      throw new Error(`indicator set: "${item}" has ${args.length} parameter(s), ${key} takes ${expected}`);
    }
    const params = args.map((a, i) => {
      const name = def.params[i];
      const v = a === '' ? NaN : Number(a);
      const isMultiplier = MULTIPLIERS[key]?.includes(name) ?? false;
      if (isMultiplier ? !(Number.isFinite(v) && v > 0) : !(Number.isInteger(v) && v > 0)) {
        const want = isMultiplier ? 'a positive number' : 'a positive integer';
        throw new Error(`indicator set: "${item}": ${name} must be ${want}, got "${a}"`);
      }
      return v;
    });
    specs.push({ def, params });
  }
  return specs;
}

/** Batch-computes every output column of `set` (a `--set` string or parsed specs), NaN during warm-up. */
export function computeIndicatorColumns(cols: OhlcvColumns, set: string | readonly IndicatorSpec[]): { name: string; values: Float64Array }[] {
  const specs = typeof set === 'string' ? parseIndicatorSet(set) : set;
  const result: { name: string; values: Float64Array }[] = [];
  for (const { def, params } of specs) {
    const names = def.outputs(params);
    const values = def.batch(cols, params);
    for (let k = 0; k < names.length; k++) result.push({ name: names[k], values: values[k] });
  }
  return result;
}
