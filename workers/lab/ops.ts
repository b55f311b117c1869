import type { ArithOp, CompareOp } from './ast.ts';
import type { IrNode } from './ir.ts';

/*
 * The per-value operations both evaluators call: the batch one over columns,
 * the streaming one on the latest bar. One function per operation, so both
 * perform the same floating-point operations and agree bit for bit.
 * Conditions are 1 (true) or 0 (false), never NaN: a comparison with a value
 * still warming up (NaN) is false, so it gives no signal.
 */

export type Binary = (a: number, b: number) => number;

const ARITH: Record<ArithOp, Binary> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  // IEEE: x / 0 is ±Infinity and 0 / 0 is NaN; either makes a comparison false rather than throw.
  '/': (a, b) => a / b,
};

const COMPARE: Record<CompareOp, Binary> = {
  '<': (a, b) => (a < b ? 1 : 0),
  '<=': (a, b) => (a <= b ? 1 : 0),
  '>': (a, b) => (a > b ? 1 : 0),
  '>=': (a, b) => (a >= b ? 1 : 0),
  '==': (a, b) => (a === b ? 1 : 0),
  '!=': (a, b) => (a !== b ? 1 : 0),
};

const AND: Binary = (a, b) => (a === 1 && b === 1 ? 1 : 0);
const OR: Binary = (a, b) => (a === 1 || b === 1 ? 1 : 0);
const MIN: Binary = (a, b) => Math.min(a, b);
const MAX: Binary = (a, b) => Math.max(a, b);

/** The element-wise function of a two-operand node, or null for other nodes. */
export function binaryOf(n: IrNode): Binary | null {
  switch (n.op) {
    case 'arith':
      return ARITH[n.fn];
    case 'cmp':
      return COMPARE[n.fn];
    case 'logic':
      return n.fn === 'and' ? AND : OR;
    case 'min':
      return MIN;
    case 'max':
      return MAX;
    default:
      return null;
  }
}

export type Unary = (a: number) => number;

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** ((x mod m) + m) mod m: a remainder that is never negative (bars before 1970). */
const wrap = (x: number, m: number) => ((x % m) + m) % m;

/** The element-wise function of a one-operand node, or null for other nodes. */
export function unaryOf(n: IrNode): Unary | null {
  switch (n.op) {
    case 'neg':
      return (a) => -a;
    case 'not':
      return (a) => (a === 1 ? 0 : 1);
    case 'abs':
      return Math.abs;
    case 'clock':
      // UTC from the bar's open time in ms; 1 January 1970 was a Thursday (day 4).
      if (n.unit === 'hour') return (t) => wrap(Math.floor(t / HOUR_MS), 24);
      if (n.unit === 'minute') return (t) => wrap(Math.floor(t / MINUTE_MS), 60);
      return (t) => wrap(Math.floor(t / DAY_MS) + 4, 7);
    default:
      return null;
  }
}

/** crosses_above (dir 1) or crosses_below (dir -1) from the previous and the current values of a and b. */
export function crossed(dir: 1 | -1, prevA: number, prevB: number, a: number, b: number): number {
  return dir === 1 ? (prevA < prevB && a > b ? 1 : 0) : prevA > prevB && a < b ? 1 : 0;
}

/** percentile_rank: percent of src[start .. start + n) at or below x; NaN for a NaN x. */
export function rankIn(src: Float64Array, start: number, n: number, x: number): number {
  if (x !== x) return NaN;
  let count = 0;
  for (let j = start, end = start + n; j < end; j++) if (src[j] <= x) count++;
  return (100 * count) / n;
}

/** A past value not yet available: NaN for a number, false (0) for a condition. */
export function missing(n: IrNode): number {
  return n.type === 'bool' ? 0 : NaN;
}
