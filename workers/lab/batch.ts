import type { BarSeries } from '../market/bar.ts';
import { INDICATORS } from '../features/indicators/index.ts';
import type { OhlcvColumns } from '../features/indicators/types.ts';
import { ownEntry } from '../util/own.ts';
import type { CheckedProgram } from './check.ts';
import { RuleStage, TradeState } from './decide.ts';
import type { IrNode } from './ir.ts';
import { binaryOf, crossed, missing, unaryOf } from './ops.ts';

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
    case 'rank':
      return rankColumn(cols[n.a]!, n.n, len);
  }
  const bin = binaryOf(n);
  if (bin && 'b' in n) {
    const a = cols[n.a]!;
    const b = cols[n.b]!;
    const out = new Float64Array(len);
    if (!hotBinary(n, a, b, out)) for (let i = 0; i < len; i++) out[i] = bin(a[i], b[i]);
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
 * percentile_rank over a whole column: the window's numbers kept sorted, so
 * each bar's count of values at or below it is a binary search instead of a
 * scan of n values (rankIn, which the streaming form runs, scans). NaN never
 * counts there (NaN <= x is false), so NaNs stay out of the sorted window; the
 * count and the division are rankIn's, so the values are the same.
 */
function rankColumn(a: Float64Array, n: number, len: number): Float64Array {
  const out = new Float64Array(len).fill(NaN);
  const sorted = new Float64Array(n + 1);
  let m = 0;
  for (let i = 0; i < len; i++) {
    const x = a[i];
    if (i >= n && x === x) {
      // Values at or below x: the first index above it.
      let lo = 0;
      let hi = m;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid] <= x) lo = mid + 1;
        else hi = mid;
      }
      out[i] = (100 * lo) / n;
    }
    const old = i >= n ? a[i - n] : NaN;
    if (old === old) {
      // The value leaving the window: found, then its slot moved to where x goes (x is close to it on most series).
      let lo = 0;
      let hi = m;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid] < old) lo = mid + 1;
        else hi = mid;
      }
      let k = lo;
      if (x === x) {
        if (x > old) {
          for (; k + 1 < m && sorted[k + 1] < x; k++) sorted[k] = sorted[k + 1];
        } else {
          for (; k > 0 && sorted[k - 1] > x; k--) sorted[k] = sorted[k - 1];
        }
        sorted[k] = x;
      } else {
        for (; k + 1 < m; k++) sorted[k] = sorted[k + 1];
        m--;
      }
    } else if (x === x) {
      let k = m++;
      for (; k > 0 && sorted[k - 1] > x; k--) sorted[k] = sorted[k - 1];
      sorted[k] = x;
    }
  }
  return out;
}

/**
 * The common two-operand nodes as their own loops: one shared loop calling
 * the node's function (ops.ts) sees every operation at one call site and
 * cannot inline any, which made these columns most of an evolution child's
 * test. Each loop is that function's body written out: the same IEEE
 * operation on the same operands, so the values are bit for bit ops.ts's
 * (tests/lab/parity.test.ts checks batch against streaming). False when the
 * node has no loop here.
 */
function hotBinary(n: IrNode, a: Float64Array, b: Float64Array, out: Float64Array): boolean {
  const len = out.length;
  const key = n.op === 'arith' || n.op === 'cmp' || n.op === 'logic' ? n.fn : '';
  switch (key) {
    case '+':
      for (let i = 0; i < len; i++) out[i] = a[i] + b[i];
      return true;
    case '-':
      for (let i = 0; i < len; i++) out[i] = a[i] - b[i];
      return true;
    case '*':
      for (let i = 0; i < len; i++) out[i] = a[i] * b[i];
      return true;
    case '/':
      for (let i = 0; i < len; i++) out[i] = a[i] / b[i];
      return true;
    case '<':
      for (let i = 0; i < len; i++) out[i] = a[i] < b[i] ? 1 : 0;
      return true;
    case '<=':
      for (let i = 0; i < len; i++) out[i] = a[i] <= b[i] ? 1 : 0;
      return true;
    case '>':
      for (let i = 0; i < len; i++) out[i] = a[i] > b[i] ? 1 : 0;
      return true;
    case '>=':
      for (let i = 0; i < len; i++) out[i] = a[i] >= b[i] ? 1 : 0;
      return true;
    case 'and':
      for (let i = 0; i < len; i++) out[i] = a[i] === 1 && b[i] === 1 ? 1 : 0;
      return true;
    case 'or':
      for (let i = 0; i < len; i++) out[i] = a[i] === 1 || b[i] === 1 ? 1 : 0;
      return true;
    default:
      return false;
  }
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
