import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importBarsCsv } from '../../workers/market/csv.ts';
import type { BarSeries } from '../../workers/market/bar.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { lowerBound } from '../../workers/market/merge.ts';
import { DEMO_ACCOUNT, DEMO_HELD_OUT_FROM } from '../../workers/engine/demo.ts';
import { buildFeatureMatrix, getFeatureSpec, type FeatureMatrix } from '../../workers/features/spec/index.ts';
import { EXIT_NONE, tripleBarrierLabels, type SideOutcome, type TripleBarrierLabels } from '../../workers/models/labels/triple-barrier.ts';

/**
 * The demo models' data: the bundled real EURUSD H1 bars, risk-obs-v1 features, triple-barrier
 * labels on the paper broker's rules and DEMO_ACCOUNT costs, and a chronological split at
 * DEMO_HELD_OUT_FROM (the bar the demo replay starts at) with a gap so that no training label
 * looks into the held-out period.
 */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SYMBOL = 'EURUSD';
export const DATA_FILE = 'public/data/EURUSD.csv';
export const FEATURE_SPEC = 'risk-obs-v1';
/** k1 = 2 ATR stop, k2 = 3 ATR target, H = 24 bars, Wilder ATR(14). */
export const LABEL_OPTIONS = { stopAtr: 2, targetAtr: 3, horizonBars: 24, atrPeriod: 14 } as const;

export interface DemoDataset {
  series: BarSeries;
  labels: TripleBarrierLabels;
  /** risk-obs-v1 with the context column `direction` set to 0 (alpha), +1 and −1 (risk, guard); every other context column 0. */
  features: { flat: FeatureMatrix; long: FeatureMatrix; short: FeatureMatrix };
  cols: number;
  /** Decision bars used for training, in time order. */
  trainBars: number[];
  /** Held-out decision bars, in time order: the usable bars from DEMO_HELD_OUT_FROM on. */
  testBars: number[];
}

export function loadSeries(): BarSeries {
  const r = importBarsCsv(readFileSync(new URL(`../../${DATA_FILE}`, import.meta.url), 'utf8'), { symbol: SYMBOL });
  if (!r.ok || !r.series) throw new Error(`${DATA_FILE} did not import: ${r.report.errors.join('; ')}`);
  return r.series;
}

export function loadDemoDataset(): DemoDataset {
  const series = loadSeries();
  const n = series.time.length;
  const spec = getFeatureSpec(FEATURE_SPEC);
  const direction = (d: number) => buildFeatureMatrix(spec, series, { direction: new Float64Array(n).fill(d) });
  const features = { flat: direction(0), long: direction(1), short: direction(-1) };
  const cols = features.flat.cols;
  const labels = tripleBarrierLabels(series, { ...LABEL_OPTIONS, costs: DEMO_ACCOUNT.costs, instrument: KNOWN_INSTRUMENTS[SYMBOL] });

  // Usable decision bars: past the features' warm-up, with a label (ATR known, bar i+H+1 exists) and finite features.
  const usable: number[] = [];
  for (let i = spec.warmup; i < n; i++) {
    if (labels.long.reason[i] === EXIT_NONE || labels.short.reason[i] === EXIT_NONE) continue;
    let finite = true;
    for (const fm of [features.flat, features.long, features.short]) for (let k = 0; k < cols && finite; k++) finite = Number.isFinite(fm.values[i * cols + k]);
    if (finite) usable.push(i);
  }
  const { train, test } = splitAtBar(usable, lowerBound(series.time, DEMO_HELD_OUT_FROM));
  return { series, labels, features, cols, trainBars: train, testBars: test };
}

/**
 * Splits decision bars in time at `splitBar`: those before it train, those from it on are
 * held out. A label at bar i reads bars up to i + H + 1 (the horizon exit), so the last H + 1
 * bars before the split bar are dropped: no training label reads a held-out bar.
 */
export function splitAtBar(bars: readonly number[], splitBar: number): { train: number[]; test: number[] } {
  const lastTrainBar = splitBar - LABEL_OPTIONS.horizonBars - 2;
  return { train: bars.filter((i) => i <= lastTrainBar), test: bars.filter((i) => i >= splitBar) };
}

/** splitAtBar at the bar `share` of the way through `bars` (the inner validation split). */
export function splitChronologically(bars: readonly number[], share: number): { train: number[]; test: number[] } {
  return splitAtBar(bars, bars[Math.round(bars.length * share)]);
}

/** Rows of a feature matrix gathered into a dense row-major block. */
export function gatherRows(fm: FeatureMatrix, bars: readonly number[]): Float64Array {
  const out = new Float64Array(bars.length * fm.cols);
  bars.forEach((b, r) => out.set(fm.values.subarray(b * fm.cols, (b + 1) * fm.cols), r * fm.cols));
  return out;
}

/**
 * Risk and guard rows: for each bar the long proposal (direction +1) then the short one (−1).
 * Returns the stacked features and, per row, the bar and the side.
 */
export function proposalRows(d: DemoDataset, bars: readonly number[]): { x: Float64Array; bar: number[]; side: (1 | -1)[] } {
  const x = new Float64Array(2 * bars.length * d.cols);
  const bar: number[] = [];
  const side: (1 | -1)[] = [];
  bars.forEach((b, r) => {
    x.set(d.features.long.values.subarray(b * d.cols, (b + 1) * d.cols), 2 * r * d.cols);
    x.set(d.features.short.values.subarray(b * d.cols, (b + 1) * d.cols), (2 * r + 1) * d.cols);
    bar.push(b, b);
    side.push(1, -1);
  });
  return { x, bar, side };
}

export function outcomeOf(labels: TripleBarrierLabels, side: 1 | -1): SideOutcome {
  return side === 1 ? labels.long : labels.short;
}

/** Clipping ranges of the risk model's sl_mult and tp_mult (the chain's default bounds). */
export const SL_RANGE = [0.5, 5] as const;
export const TP_RANGE = [0.5, 10] as const;

/**
 * The risk model's regression targets for the trade on `side` decided at bar i: how far price
 * went against (adverse) and for (favourable) the labeled entry fill over bars i+1 .. i+H,
 * from the bars' highs and lows, in ATR(14) at bar i, clipped to SL_RANGE and TP_RANGE. The
 * whole horizon is scanned, whether or not the labeled trade exited earlier.
 */
export function excursionTargets(series: BarSeries, labels: TripleBarrierLabels, side: 1 | -1, i: number): { sl: number; tp: number } {
  const entry = outcomeOf(labels, side).entryPrice[i];
  const atr = labels.atr[i];
  let hi = -Infinity;
  let lo = Infinity;
  for (let j = i + 1; j <= i + LABEL_OPTIONS.horizonBars; j++) {
    hi = Math.max(hi, series.high[j]);
    lo = Math.min(lo, series.low[j]);
  }
  const adverse = side === 1 ? entry - lo : hi - entry;
  const favourable = side === 1 ? hi - entry : entry - lo;
  const clip = (v: number, [a, b]: readonly [number, number]) => Math.min(b, Math.max(a, v));
  return { sl: clip(adverse / atr, SL_RANGE), tp: clip(favourable / atr, TP_RANGE) };
}
