import type { BarSeries } from '../market/bar.ts';
import { INDICATORS } from '../features/indicators/index.ts';
import type { OhlcvColumns } from '../features/indicators/types.ts';
import { ownEntry } from '../util/own.ts';
import type { CheckedProgram } from './check.ts';
import { RuleStage, TradeState } from './decide.ts';
import type { IrNode } from './ir.ts';
import { binaryOf, crossed, missing, rankIn, unaryOf } from './ops.ts';

/** A program run over a whole series at once. */
export interface BatchResult {
  /** Per bar: 1 long, -1 short, 0 flat (exit), NaN no signal. */
  signal: Float64Array;
  /** Per bar, after that bar's signal: the program's own position (1, -1, 0). */
  position: Int8Array;
  /** Per bar price distances (NaN during warm-up or when the program sets none). */
  stop: Float64Array;
  target: Float64Array;
  trail: Float64Array;
  /** Every market node as a column (indicator instances excepted), for charts and tests. */
  columns: readonly (Float64Array | null)[];
}

/**
 * The batch evaluator: every market node as a whole Float64Array column
 * (indicators through their batch kernels), then one pass over the bars for
 * what depends on the trade and for the decisions. The element-wise
 * operations are the streaming evaluator's own (ops.ts), and the indicator
 * kernels equal their streaming forms, so both give identical signals.
 */
export function runBatch(program: CheckedProgram, series: BarSeries): BatchResult {
  const len = series.time.length;
  const cols = marketColumns(program, series);
  const v = new Float64Array(program.nodes.length).fill(NaN);
  const state = new TradeState();
  const stage = new RuleStage(program, v, state);
  const reads = stage.reads;
  const signal = new Float64Array(len);
  const position = new Int8Array(len);
  for (let i = 0; i < len; i++) {
    state.newBar();
    for (let r = 0; r < reads.length; r++) v[reads[r]] = cols[reads[r]]![i];
    const dir = stage.decide(i);
    signal[i] = dir === null ? NaN : dir;
    state.apply(dir);
    position[i] = state.position;
  }
  const level = (id: number): Float64Array => {
    const out = new Float64Array(len).fill(NaN);
    if (id >= 0) out.set(cols[id]!.subarray(program.warmup), program.warmup);
    return out;
  };
  const { stop, target, trail } = program.levels;
  return { signal, position, stop: level(stop), target: level(target), trail: level(trail), columns: cols };
}

/**
 * Every market node of the program (what does not depend on the trade) as a
 * column over the series; null for the trade-dependent nodes and indicator
 * instances. The fast cell test runs its own trade loop over these.
 */
export function marketColumns(program: CheckedProgram, series: BarSeries): (Float64Array | null)[] {
  const len = series.time.length;
  const nodes = program.nodes;
  const cols: (Float64Array | null)[] = new Array(nodes.length).fill(null);
  const instances = new Map<number, Float64Array[]>();
  for (const n of nodes) {
    if (n.stateful) continue;
    if (n.op === 'indicator') instances.set(n.id, indicatorColumns(n, nodes, cols, series, len));
    else cols[n.id] = column(n, cols, instances, series, len);
  }
  return cols;
}

function column(n: IrNode, cols: (Float64Array | null)[], instances: Map<number, Float64Array[]>, s: BarSeries, len: number): Float64Array {
  switch (n.op) {
    case 'const':
      return new Float64Array(len).fill(n.value);
    case 'field':
      return s[n.field];
    case 'output':
      return instances.get(n.a)![n.k];
    case 'lag': {
      const a = cols[n.a]!;
      const out = new Float64Array(len).fill(missing(n));
      if (n.k < len) out.set(a.subarray(0, len - n.k), n.k);
      return out;
    }
    case 'cross': {
      const a = cols[n.a]!;
      const b = cols[n.b]!;
      const out = new Float64Array(len);
      let pa = NaN;
      let pb = NaN;
      for (let i = 0; i < len; i++) {
        out[i] = crossed(n.dir, pa, pb, a[i], b[i]);
        pa = a[i];
        pb = b[i];
      }
      return out;
    }
    case 'rank': {
      const a = cols[n.a]!;
      const out = new Float64Array(len).fill(NaN);
      for (let i = n.n; i < len; i++) out[i] = rankIn(a, i - n.n, n.n, a[i]);
      return out;
    }
  }
  const bin = binaryOf(n);
  if (bin && 'b' in n) {
    const a = cols[n.a]!;
    const b = cols[n.b]!;
    const out = new Float64Array(len);
    for (let i = 0; i < len; i++) out[i] = bin(a[i], b[i]);
    return out;
  }
  const un = unaryOf(n);
  if (un && 'a' in n) {
    const a = cols[n.a]!;
    const out = new Float64Array(len);
    for (let i = 0; i < len; i++) out[i] = un(a[i]);
    return out;
  }
  throw new Error(`lab: no batch form for node ${n.op}`);
}

/**
 * An indicator's output columns: over the bar, or over a series from the bar
 * its input warms up on (fed as open = high = low = close = volume), NaN before.
 */
function indicatorColumns(n: Extract<IrNode, { op: 'indicator' }>, nodes: readonly IrNode[], cols: (Float64Array | null)[], s: BarSeries, len: number): Float64Array[] {
  const def = ownEntry(INDICATORS, n.key)!;
  if (n.input < 0) return def.batch(s, n.params);
  const start = Math.min(nodes[n.input].warmup, len);
  const x = cols[n.input]!.subarray(start);
  const input: OhlcvColumns = { open: x, high: x, low: x, close: x, volume: x };
  const outs = def.outputs(n.params).map(() => new Float64Array(len).fill(NaN));
  def.batch(input, n.params, outs.map((o) => o.subarray(start)));
  return outs;
}
