import { smoothStep, wilderSumStep } from './math.ts';

/**
 * The state both seeded smoothers keep (bars seen, the seed's running sum, the
 * value) and its snapshot, so `replace` of the forming bar restores the state
 * the previous step started from before stepping again.
 */
abstract class SeededState {
  value = NaN;
  protected count = 0;
  protected acc = 0;
  private pCount = 0;
  private pAcc = 0;
  private pValue = NaN;

  /** Restores the snapshot (replace) or takes one (a new bar); returns the new bar count. */
  protected begin(replace: boolean): number {
    if (replace) {
      this.count = this.pCount;
      this.acc = this.pAcc;
      this.value = this.pValue;
    } else {
      this.pCount = this.count;
      this.pAcc = this.acc;
      this.pValue = this.value;
    }
    return ++this.count;
  }

  reset(): void {
    this.value = NaN;
    this.count = this.acc = 0;
  }
}

/**
 * Exponential smoother seeded with the simple mean of its first n inputs (TTR
 * `EMA`): the EMA itself (ratio 2/(n+1)) and Wilder's smoothing (ratio 1/n) of
 * RSI, ATR and ADX. Streaming form; the batch loops inline the same sequence
 * (sum the first n inputs in order, divide by n, then `smoothStep`).
 */
export class ExpSmoother extends SeededState {
  private readonly keep: number;

  constructor(
    readonly n: number,
    readonly ratio: number,
  ) {
    super();
    this.keep = 1 - ratio;
  }

  next(x: number, replace: boolean): number {
    const c = this.begin(replace);
    if (c > this.n) return (this.value = smoothStep(this.value, x, this.ratio, this.keep));
    this.acc += x;
    return (this.value = c === this.n ? this.acc / this.n : NaN);
  }
}

/**
 * TTR's `wilderSum` (Wilder's running sum of +DM, −DM and TR in ADX): the first
 * n − 1 inputs are summed, then every input gives x + previous·(n − 1)/n. Its
 * seed differs from an SMA-seeded Wilder average, which is why TTR's (and
 * TA-Lib's) DI values differ from libraries that seed with the mean.
 */
export class WilderSum extends SeededState {
  private readonly keep: number;

  constructor(readonly n: number) {
    super();
    this.keep = (n - 1) / n;
  }

  next(x: number, replace: boolean): number {
    const c = this.begin(replace);
    if (c > this.n) return (this.value = wilderSumStep(this.value, x, this.keep));
    if (c === this.n) return (this.value = wilderSumStep(this.acc, x, this.keep));
    this.acc += x;
    return NaN;
  }
}

/**
 * Batch form of ExpSmoother over src[from ..]: out[from + n − 1] is the seed.
 * Entries of `out` before that are left untouched.
 */
export function smoothSeries(src: Float64Array, n: number, ratio: number, out: Float64Array, from = 0): void {
  const keep = 1 - ratio;
  const len = src.length;
  const seedAt = from + n - 1;
  if (seedAt >= len) return;
  let acc = 0;
  for (let i = from; i <= seedAt; i++) acc += src[i];
  let v = acc / n;
  out[seedAt] = v;
  // smoothStep inlined: x·ratio + prev·keep, the same operations in the same order.
  for (let i = seedAt + 1; i < len; i++) {
    v = src[i] * ratio + v * keep;
    out[i] = v;
  }
}
