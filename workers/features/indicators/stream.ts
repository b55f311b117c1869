import type { StreamingIndicator } from './types.ts';

/**
 * Common plumbing of the streaming indicators: output slots, bar counting, and
 * `replace` before any `update` (there is no forming bar yet: it acts as `update`).
 * Subclasses implement `step`, which with `replace = true` must first restore
 * the state the previous `step` started from.
 */
export abstract class BarStream implements StreamingIndicator {
  protected readonly out: Float64Array;
  protected bars = 0;

  constructor(
    readonly outputs: readonly string[],
    readonly warmup: number,
  ) {
    this.out = new Float64Array(outputs.length).fill(NaN);
  }

  update(open: number, high: number, low: number, close: number, volume: number): void {
    this.bars++;
    this.step(open, high, low, close, volume, false);
  }

  replace(open: number, high: number, low: number, close: number, volume: number): void {
    if (this.bars === 0) this.update(open, high, low, close, volume);
    else this.step(open, high, low, close, volume, true);
  }

  value(k = 0): number {
    return k >= 0 && k < this.out.length ? this.out[k] : NaN;
  }

  reset(): void {
    this.bars = 0;
    this.out.fill(NaN);
    this.clear();
  }

  protected abstract step(open: number, high: number, low: number, close: number, volume: number, replace: boolean): void;
  protected abstract clear(): void;
}

/** A Float64Array of `length` NaNs: a batch output column before its first valid bar. */
export function nanColumn(length: number): Float64Array {
  return new Float64Array(length).fill(NaN);
}

/*
 * RESULT_FIRST: a multi-output batch kernel builds its returned array of columns
 * BEFORE its hot loop. Otherwise, on a long input, V8 runs the loop in on-stack-
 * replacement code that then meets an array literal the interpreter never
 * executed ("insufficient type feedback"), deoptimizes on every call and keeps
 * running the loop in OSR code, measured up to 1.7x slower.
 */

/**
 * Output column `k` of a batch run over `len` bars, NaN on [0, nanUntil): the
 * caller's `out[k]` when given (a `subarray` view of its first `len` entries if
 * it is longer), else a new array. The kernel must write every entry from
 * `nanUntil` on; entries of a caller's array at `len` and beyond are untouched.
 * Throws a RangeError when `out` is given but `out[k]` is missing or shorter
 * than `len` (the warm-up of columns before k may already have been written).
 */
export function outColumn(out: readonly Float64Array[] | undefined, k: number, len: number, nanUntil: number): Float64Array {
  let col: Float64Array;
  if (out === undefined) col = new Float64Array(len);
  else {
    const given = out[k];
    if (given === undefined || given.length < len) {
      throw new RangeError(`batch indicator: out[${k}] must be a Float64Array of length >= ${len}, got ${given === undefined ? 'none' : `length ${given.length}`}`);
    }
    col = given.length === len ? given : given.subarray(0, len);
  }
  const nanEnd = nanUntil < len ? nanUntil : len;
  if (nanEnd > 0) col.fill(NaN, 0, nanEnd);
  return col;
}

/**
 * A reusable scratch buffer for one batch kernel (window rings, deque blocks):
 * `get(n)` returns a Float64Array of length >= n, allocated only when a longer
 * one is needed, so repeated batch runs allocate nothing. Kernels are
 * synchronous and never call themselves, so one module-level Scratch per
 * kernel and purpose is safe. Scratch buffers are O(period), never O(bars).
 */
export class Scratch {
  private buf = new Float64Array(0);

  get(n: number): Float64Array {
    if (this.buf.length < n) this.buf = new Float64Array(n);
    return this.buf;
  }
}
