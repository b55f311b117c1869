import type { BarSeries } from '../../market/bar.ts';
import type { OhlcvColumns } from '../indicators/types.ts';
import { BAR_FIELDS, CONTEXT_FIELDS } from './spec.ts';
import type { BarField, ContextColumns, FeatureSpec, InputLayout, Kernel } from './spec.ts';
import { indicatorDef } from './indicator-source.ts';
import { buildKernels } from './define.ts';
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

/** Bars per block: the block's inputs (slots × BLOCK doubles) and its output rows stay in L2 while 60 kernels sweep them. */
const BLOCK = 256;

/**
 * Batch form of a spec (training sets, backtests). Indicators run in their batch
 * form over whole columns; bars are then copied block by block into a
 * slot-major input block (lagged slots copied from `i - lag`) and each feature
 * kernel sweeps the block. The kernels are the very functions the streaming
 * builder runs on one bar, so the rows match it exactly. `context` columns
 * (one value per bar) default to 0 when absent.
 */
export function buildFeatureMatrix(spec: FeatureSpec, series: BarColumns, context?: ContextColumns, opts: BatchOptions = {}): FeatureMatrix {
  const L = spec.layout;
  const n = series.time.length;
  for (const f of BAR_FIELDS) {
    if (series[f].length !== n) throw new Error(`buildFeatureMatrix: column "${f}" has ${series[f].length} rows, time has ${n}`);
  }
  if (spec.program) return customMatrix(spec, series, opts);
  const S = L.slots.length;
  /** Column each slot reads and how many bars back: a lag slot reads its base's column. */
  const col: Float64Array[] = Array.from({ length: S }, () => NO_COLUMN);
  const lag = new Int32Array(S);
  const block = new Float64Array(S * BLOCK);
  const ws = opts.workspace ?? new BatchWorkspace();

  BAR_FIELDS.forEach((f, k) => (col[L.barSlots[k]] = series[f]));
  CONTEXT_FIELDS.forEach((f, k) => (col[L.contextSlots[k]] = contextColumn(context?.[f], f, n, ws)));
  const bindLags = (lags: Int32Array) => {
    for (const s of lags) {
      col[s] = col[L.slots[s].base!];
      lag[s] = L.slots[s].lag!;
    }
  };
  bindLags(L.earlyLags);

  // A context field left out is all zeros: its block rows stay as allocated (0) instead of being copied every block.
  const zeros = ws.zeros(n);
  const copied = Int32Array.from(col.keys()).filter((s) => !(col[s] === zeros && lag[s] === 0));
  computeSeries(L, col, lag, copied, block, n, ws);
  for (const ind of L.indicators) runIndicator(ind, series, col, n, ws);
  bindLags(L.lateLags);
  const all = Int32Array.from(col.keys()).filter((s) => !(col[s] === zeros && lag[s] === 0));

  const F = spec.features.length;
  const values = opts.into ? opts.into.subarray(0, n * F) : new Float64Array(n * F);
  if (values.length < n * F) throw new Error(`buildFeatureMatrix: "into" holds ${opts.into!.length} values, ${n} bars need ${n * F}`);
  const kernels = buildKernels(L, spec.features.map((f) => f.build), BLOCK);
  // Kernels write feature-major into a block of their own (stride 1), then one pass turns it into
  // rows: writing straight into the rows would touch a different cache line on every value.
  const outBlock = new Float64Array(F * OUT_STRIDE);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const m = Math.min(BLOCK, n - i0);
    fillBlock(block, col, lag, all, i0, m);
    for (let j = 0; j < F; j++) kernels[j](block, m, outBlock, j * OUT_STRIDE, 1);
    blockToRows(outBlock, m, F, values, i0 * F);
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

const NO_COLUMN = new Float64Array(0);

/** Slots `slots` of bars [i0, i0 + m) into the slot-major block: what the streaming builder holds after each of those bars. */
function fillBlock(block: Float64Array, col: Float64Array[], lag: Int32Array, slots: Int32Array, i0: number, m: number): void {
  for (let k = 0; k < slots.length; k++) {
    const s = slots[k];
    const at = s * BLOCK;
    const from = i0 - lag[s];
    // Bars before the series start have no lagged value yet.
    const missing = from < 0 ? Math.min(-from, m) : 0;
    for (let i = 0; i < missing; i++) block[at + i] = NaN;
    // A plain loop, not set(subarray()): that allocates a view per slot per block and costs more than the copy.
    const c = col[s];
    for (let i = missing; i < m; i++) block[at + i] = c[from + i];
  }
}

/**
 * Distance between two features in the feature-major output block: not BLOCK, whose 2 KB would
 * put every feature of a bar in the same two L1 cache sets while a row is gathered from them.
 */
const OUT_STRIDE = BLOCK + 8;

/** Feature-major block (feature j of bar i at j * OUT_STRIDE + i) into m rows of F values from `at`. */
function blockToRows(outBlock: Float64Array, m: number, F: number, values: Float64Array, at: number): void {
  for (let i = 0; i < m; i++) {
    const row = at + i * F;
    for (let j = 0; j < F; j++) values[row + j] = outBlock[j * OUT_STRIDE + i];
  }
}

/** Derived series block by block: series slots come right after bar, context and early lags, so filling the slots before them suffices. */
function computeSeries(L: InputLayout, col: Float64Array[], lag: Int32Array, copied: Int32Array, block: Float64Array, n: number, ws: BatchWorkspace): void {
  if (L.series.length === 0) return;
  const first = L.series[0].slot;
  const before = copied.filter((s) => s < first);
  const kernels: Kernel[] = buildKernels(L, L.series.map((s) => s.build), BLOCK);
  const outs = L.series.map((s) => (col[s.slot] = ws.column(s.slot, n)));
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const m = Math.min(BLOCK, n - i0);
    fillBlock(block, col, lag, before, i0, m);
    for (let k = 0; k < kernels.length; k++) {
      const at = (first + k) * BLOCK;
      kernels[k](block, m, block, at, 1); // into the block, where a later series may read it
      outs[k].set(block.subarray(at, at + m), i0);
    }
  }
}

function runIndicator(ind: InputLayout['indicators'][number], series: BarColumns, col: Float64Array[], n: number, ws: BatchWorkspace): void {
  const def = indicatorDef(ind.key);
  const start = Math.min(ind.start, n);
  let input: OhlcvColumns = series;
  if (ind.on >= 0) {
    // A series is fed from its first finite value on, exactly as the streaming builder feeds it:
    // a leading NaN would poison running sums for good.
    const v = col[ind.on].subarray(start);
    input = { open: v, high: v, low: v, close: v, volume: v };
  }
  // Written in place: full columns, the indicator filling [start, n) and the bars before it NaN.
  const full = Array.from(ind.outSlots, (slot) => ws.column(slot, n).fill(NaN, 0, start));
  const outs = def.batch(input, ind.params, start === 0 ? full : full.map((c) => c.subarray(start)));
  ind.outSlots.forEach((slot, k) => {
    const o = outs[k];
    if (o.length !== n - start) throw new Error(`indicator ${ind.key} returned ${o.length} rows for ${n - start} bars`);
    // Every indicator honours `out`; one that returned its own array instead is copied in.
    if (o.buffer !== full[k].buffer) full[k].set(o, start);
    col[slot] = full[k];
  });
}

function contextColumn(c: ArrayLike<number> | undefined, field: string, n: number, ws: BatchWorkspace): Float64Array {
  if (c === undefined) return ws.zeros(n);
  if (c.length !== n) throw new Error(`buildFeatureMatrix: context column "${field}" has ${c.length} rows, the series has ${n}`);
  return c instanceof Float64Array ? c : Float64Array.from(c);
}
