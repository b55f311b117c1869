import { importBarsCsv } from '../../market/csv.ts';
import type { BarSeries } from '../../market/bar.ts';
import { buildFeatureMatrix, type FeatureSpec } from '../../features/spec/index.ts';
import type { ModelRole } from './manifest.ts';
import { SAMPLE_BARS_CSV } from './sample-bars.ts';
import { utcDate } from '../../util/utc-text.ts';

/**
 * Realistic inputs to run a bundle on before anything trades with it: the embedded sample of
 * the bundled EURUSD H1 bars through the model's feature spec (the one batch builder the
 * engine, training exports and backtests use), every row after the spec's warm-up. The alpha
 * sees direction 0, as in the engine; risk and guard see each bar twice, proposing long (+1)
 * and short (-1). Other context is 0 (flat, no drawdown).
 */
export interface SampleInputs {
  rows: Float64Array;
  count: number;
  /** In words, for messages: "the 180 sample rows (...)". */
  what: string;
}

let bars: BarSeries | null = null;
const cache = new Map<string, SampleInputs>();

export function sampleInputs(spec: FeatureSpec, role: ModelRole): SampleInputs {
  const key = `${spec.id}:${role === 'alpha' ? 'alpha' : 'proposal'}`;
  // A custom spec's id is the trader's: two bundles may give one id other expressions, so it is not cached.
  const hit = spec.program ? undefined : cache.get(key);
  if (hit) return hit;
  bars ??= importBarsCsv(SAMPLE_BARS_CSV, { symbol: 'EURUSD', timeframe: 'H1' }).series!;
  const n = bars.time.length;
  const directions = role === 'alpha' ? [0] : [1, -1];
  const mats = directions.map((d) => buildFeatureMatrix(spec, bars!, d === 0 ? undefined : { direction: new Float64Array(n).fill(d) }));
  const width = spec.features.length;
  const out: number[] = [];
  for (let i = spec.warmup; i < n; i++) {
    for (const m of mats) {
      const row = m.values.subarray(i * width, (i + 1) * width);
      if (row.every(Number.isFinite)) out.push(...row);
    }
  }
  const count = out.length / width;
  const what = `${count} sample rows (the bundled EURUSD H1 bars ${utcDate(bars.time[spec.warmup])} to ${utcDate(bars.time[n - 1])} through ${spec.id}${role === 'alpha' ? '' : ', proposing long and short'})`;
  const s: SampleInputs = { rows: Float64Array.from(out), count, what };
  if (!spec.program) cache.set(key, s);
  return s;
}
