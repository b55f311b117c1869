import type { BarSeries } from '../../market/bar.ts';
import type { OhlcvColumns } from '../indicators/types.ts';
import { BAR_FIELDS, CONTEXT_FIELDS } from './spec.ts';
import type { BarField, ContextColumns, FeatureSpec, InputLayout, Kernel } from './spec.ts';
import { indicatorDef } from './indicator-source.ts';
import { BatchWorkspace } from './batch-workspace.ts';

/** Features of a whole series, row-major: feature `j` of bar `i` is `values[i * cols + j]`. */
export interface FeatureMatrix {
  specId: string;
  version: number;
  names: readonly string[];
  rows: number;
  cols: number;
  /** Rows before this one are warm-up: not fit for training labels or decisions. */
  warmup: number;
  values: Float64Array;
}

/** The columns the builder reads: a BarSeries, or anything with its six columns. */
export type BarColumns = Pick<BarSeries, BarField>;

export interface BatchOptions {
  /**
   * Where to write the n × cols values (its first n × cols entries are used).
   * Reusing one buffer across builds (sweeps, walk-forward windows) saves
   * faulting in hundreds of fresh megabytes per million bars.
   */
  into?: Float64Array;
  /**
   * Columns to reuse between builds (see BatchWorkspace): without it each build
   * allocates its own. The values are the same either way.
   */
  workspace?: BatchWorkspace;
}

/** Bars per block: the block's input columns and its rows (F × BLOCK doubles) stay in L2 while the kernels run over it. */
const BLOCK = 512;

/**
 * Batch form of a spec (training sets, backtests). Every input slot is a column
 * of one slot-major array (bar and context columns copied in, derived series and
 * indicator outputs written in place by their batch forms, a lag its base's
 * column read from further back: see `inputPlaces`), so the feature kernels read
 * the columns where they are; block by
 * block each kernel writes its feature straight into the block's rows. The kernels are the very functions the streaming builder
 * runs on one bar, so the rows match it exactly. `context` columns (one value
 * per bar) default to 0 when absent.
 */
export function buildFeatureMatrix(spec: FeatureSpec, series: BarColumns, context?: ContextColumns, opts: BatchOptions = {}): FeatureMatrix {
  const L = spec.layout;
  const n = series.time.length;
  for (const f of BAR_FIELDS) {
    if (series[f].length !== n) throw new Error(`buildFeatureMatrix: column "${f}" has ${series[f].length} rows, time has ${n}`);
  }
  if (spec.program) return customMatrix(spec, series, opts);
  const F = spec.features.length;
  const values = opts.into ? opts.into.subarray(0, n * F) : new Float64Array(n * F);
  if (values.length < n * F) throw new Error(`buildFeatureMatrix: "into" holds ${opts.into!.length} values, ${n} bars need ${n * F}`);
  for (const f of CONTEXT_FIELDS) {
    const c = context?.[f];
    if (c !== undefined && c.length !== n) throw new Error(`buildFeatureMatrix: context column "${f}" has ${c.length} rows, the series has ${n}`);
  }

  const { at, pad, size } = inputPlaces(L, n);
  const X = (opts.workspace ?? new BatchWorkspace()).inputs(size);
  const column = (slot: number) => X.subarray(at[slot], at[slot] + n);
  for (let k = 0; k < L.slots.length; k++) if (L.slots[k].kind !== 'lag') X.fill(NaN, at[k] - pad, at[k]);
  BAR_FIELDS.forEach((f, k) => column(L.barSlots[k]).set(series[f]));
  CONTEXT_FIELDS.forEach((f, k) => {
    const c = context?.[f];
    if (c === undefined) column(L.contextSlots[k]).fill(0);
    else column(L.contextSlots[k]).set(c);
  });
  computeSeries(L, X, at, n);
  for (const ind of L.indicators) runIndicator(ind, series, column, n);

  const kernels = spec.passes.map((p) => p.build((name) => at[L.index(name)]));
  const firsts = Int32Array.from(spec.passes, (p) => p.first);
  // Kernels write straight into the rows (stride F): a block's rows (BLOCK × F doubles, ~240 KB)
  // stay in L2 while every kernel fills its columns of them, which costs less than writing a
  // feature-major block and gathering it into rows afterwards (one more pass over 480 MB).
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const m = Math.min(BLOCK, n - i0);
    const x = X.subarray(i0); // slot s of bar i0 + i at x[at[s] + i]
    for (let p = 0; p < kernels.length; p++) kernels[p](x, m, values, i0 * F + firsts[p], F);
  }
  return { specId: spec.id, version: spec.version, names: spec.features.map((f) => f.name), rows: n, cols: F, warmup: spec.warmup, values };
}

/** A custom spec (strategy-language expressions): its own batch evaluator; the trade context does not enter it. */
function customMatrix(spec: FeatureSpec, series: BarColumns, opts: BatchOptions): FeatureMatrix {
  const n = series.time.length;
  const F = spec.features.length;
  const values = opts.into ? opts.into.subarray(0, n * F) : new Float64Array(n * F);
  if (values.length < n * F) throw new Error(`buildFeatureMatrix: "into" holds ${opts.into!.length} values, ${n} bars need ${n * F}`);
  spec.program!.batch(series, values);
  return { specId: spec.id, version: spec.version, names: spec.features.map((f) => f.name), rows: n, cols: F, warmup: spec.warmup, values };
}

/**
 * Where slot s of bar 0 sits in the input array: the slots that hold values have
 * columns one after the other, each after `pad` NaNs (the longest lag); a lag
 * slot is its base's column `lag` bars further back, so its first bars fall in
 * the pad and read NaN, no lagged value yet, with nothing copied.
 */
export function inputPlaces(L: InputLayout, n: number): { at: number[]; pad: number; size: number } {
  const shift = L.slots.map(() => 0);
  L.slots.forEach((s, k) => s.kind === 'lag' && (shift[k] = shift[s.base!] + s.lag!));
  const pad = Math.max(0, ...shift);
  const at: number[] = [];
  let size = 0;
  L.slots.forEach((s, k) => {
    if (s.kind === 'lag') at[k] = at[s.base!] - s.lag!;
    else {
      at[k] = size + pad;
      size += pad + n;
    }
  });
  return { at, pad, size };
}

/** Derived series block by block, each written into its own column, where a later series (same block) and the indicators read it. */
function computeSeries(L: InputLayout, X: Float64Array, at: readonly number[], n: number): void {
  if (L.series.length === 0) return;
  const kernels: Kernel[] = L.series.map((s) => s.build((name) => at[L.index(name)]));
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const m = Math.min(BLOCK, n - i0);
    const x = X.subarray(i0);
    for (let k = 0; k < kernels.length; k++) kernels[k](x, m, X, at[L.series[k].slot] + i0, 1);
  }
}

function runIndicator(ind: InputLayout['indicators'][number], series: BarColumns, column: (slot: number) => Float64Array, n: number): void {
  const def = indicatorDef(ind.key);
  const start = Math.min(ind.start, n);
  let input: OhlcvColumns = series;
  if (ind.on >= 0) {
    // A series is fed from its first finite value on, exactly as the streaming builder feeds it:
    // a leading NaN would poison running sums for good.
    const v = column(ind.on).subarray(start);
    input = { open: v, high: v, low: v, close: v, volume: v };
  }
  // Written in place: full columns, the indicator filling [start, n) and the bars before it NaN.
  const full = Array.from(ind.outSlots, (slot) => column(slot).fill(NaN, 0, start));
  const outs = def.batch(input, ind.params, start === 0 ? full : full.map((c) => c.subarray(start)));
  ind.outSlots.forEach((slot, k) => {
    const o = outs[k];
    if (o.length !== n - start) throw new Error(`indicator ${ind.key} returned ${o.length} rows for ${n - start} bars`);
    // Every indicator honours `out`; one that returned its own array instead is copied in.
    if (o.buffer !== full[k].buffer) full[k].set(o, start);
  });
}
