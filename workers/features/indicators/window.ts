/**
 * The rolling-window helper. Window math works on `(src, start, n)` so the batch
 * form (src = the input column) and the streaming form (src = a RingWindow's
 * buffer, whose last n values are always contiguous) run the SAME loops.
 */

/** Sum of src[start .. start + n), added oldest first. */
export function windowSum(src: Float64Array, start: number, n: number): number {
  let s = 0;
  for (let j = start, end = start + n; j < end; j++) s += src[j];
  return s;
}

/** Maximum of src[start .. start + n); NaN if the window holds a NaN. */
export function windowMax(src: Float64Array, start: number, n: number): number {
  let m = src[start];
  for (let j = start + 1, end = start + n; j < end; j++) m = Math.max(m, src[j]);
  return m;
}

/** Minimum of src[start .. start + n); NaN if the window holds a NaN. */
export function windowMin(src: Float64Array, start: number, n: number): number {
  let m = src[start];
  for (let j = start + 1, end = start + n; j < end; j++) m = Math.min(m, src[j]);
  return m;
}

/** Σ (x − mean)² over the window (the two-pass variance numerator). */
export function windowSqDev(src: Float64Array, start: number, n: number, mean: number): number {
  let s = 0;
  for (let j = start, end = start + n; j < end; j++) {
    const d = src[j] - mean;
    s += d * d;
  }
  return s;
}

/** Σ |x − center| over the window (CCI's mean deviation numerator). */
export function windowAbsDev(src: Float64Array, start: number, n: number, center: number): number {
  let s = 0;
  for (let j = start, end = start + n; j < end; j++) s += Math.abs(src[j] - center);
  return s;
}

/**
 * The last n values of a stream, for streaming indicators. Each value is written
 * twice (slot and slot + n) so the window is always the contiguous range
 * buf[start .. start + n) that the window functions above expect. `replace`
 * rewrites the newest value in place.
 */
export class RingWindow {
  readonly buf: Float64Array;
  /** First index of the window in `buf` (valid once `count >= n`). */
  start = 0;
  /** The value that left the window with the newest push (NaN until the window was full). */
  leaving = NaN;
  count = 0;
  private slot = -1;

  constructor(readonly n: number) {
    this.buf = new Float64Array(2 * n);
  }

  push(x: number, replace: boolean): void {
    if (!replace) {
      if (++this.slot === this.n) this.slot = 0;
      this.leaving = this.count >= this.n ? this.buf[this.slot] : NaN;
      this.count++;
      this.start = this.slot + 1;
    }
    this.buf[this.slot] = x;
    this.buf[this.slot + this.n] = x;
  }

  get full(): boolean {
    return this.count >= this.n;
  }

  reset(): void {
    this.buf.fill(0);
    this.start = 0;
    this.leaving = NaN;
    this.count = 0;
    this.slot = -1;
  }
}

/**
 * Rolling mean (and optionally variance) of the last n values in O(1) per bar:
 * a running sum and a windowed Welford update of Σ(x − mean)², re-computed
 * exactly (two-pass) on the first full window and every n bars after it, and at
 * once when a NaN/Infinity has poisoned the running values. So rounding never
 * accumulates beyond one window and a NaN input only affects the windows that
 * contain it.
 *
 * A window of n identical values is "flat": its dispersion is exactly 0
 * (the running sums would leave ~1e-16 noise, which would make %B or CCI
 * meaningless instead of their documented flat values).
 *
 * Used by the batch form (src = column) and the streaming form (src = RingWindow
 * buffer) alike; `replace` undoes the last `next` first.
 */
export class RollingStats {
  mean = NaN;
  private count = 0;
  private sum = 0;
  private m2 = 0;
  private run = 0;
  private last = NaN;
  private resync = 0;
  // State before the latest value, for `replace`.
  private pCount = 0;
  private pSum = 0;
  private pMean = NaN;
  private pM2 = 0;
  private pRun = 0;
  private pLast = NaN;
  private pResync = 0;

  constructor(
    readonly n: number,
    private readonly withVariance: boolean,
  ) {}

  /**
   * Adds x (or, with `replace`, replaces the latest value by x). `leaving` is the
   * value that drops out of the window; src[start .. start + n) is the window
   * including x. Returns the mean (NaN until n values were seen).
   */
  next(x: number, leaving: number, src: Float64Array, start: number, replace: boolean): number {
    if (replace) {
      this.count = this.pCount;
      this.sum = this.pSum;
      this.mean = this.pMean;
      this.m2 = this.pM2;
      this.run = this.pRun;
      this.last = this.pLast;
      this.resync = this.pResync;
    } else {
      this.pCount = this.count;
      this.pSum = this.sum;
      this.pMean = this.mean;
      this.pM2 = this.m2;
      this.pRun = this.run;
      this.pLast = this.last;
      this.pResync = this.resync;
    }
    const n = this.n;
    this.run = x === this.last ? this.run + 1 : 1;
    this.last = x;
    if (++this.count < n) return NaN;
    if (this.resync === 0 || !Number.isFinite(this.sum + this.m2)) {
      this.sum = windowSum(src, start, n);
      this.mean = this.sum / n;
      if (this.withVariance) this.m2 = windowSqDev(src, start, n, this.mean);
      this.resync = n;
    } else {
      const before = this.mean;
      const delta = x - leaving;
      this.sum = this.sum + delta;
      this.mean = this.sum / n;
      if (this.withVariance) this.m2 = this.m2 + delta * (x - this.mean + (leaving - before));
    }
    this.resync--;
    return this.mean;
  }

  /** True when the whole window holds one value. */
  get flat(): boolean {
    return this.run >= this.n;
  }

  /** Population standard deviation of the window (0 when flat). */
  get sd(): number {
    if (this.count < this.n) return NaN;
    if (this.run >= this.n) return 0;
    const variance = this.m2 / this.n; // may dip a hair below 0 after a near-flat stretch
    return Math.sqrt(variance < 0 ? 0 : variance);
  }

  reset(): void {
    this.mean = NaN;
    this.count = this.sum = this.m2 = this.run = this.resync = 0;
    this.last = NaN;
  }
}

/*
 * Batch kernels. They replicate, in local variables and tight loops over the
 * columns, exactly the floating-point operations the streaming form performs
 * through RollingStats and the window functions above, so the two forms stay
 * bit-identical.
 */

/**
 * Batch rolling mean of src[from ..] over n values into dst[from + n − 1 ..]:
 * RollingStats(n, false).next on every value from `from`, inlined (running sum,
 * exact re-sum of the window on the first full window, every n values after it,
 * and after a non-finite sum). src and dst must be distinct arrays.
 */
export function rollingMeanInto(src: Float64Array, n: number, dst: Float64Array, from = 0): void {
  const len = src.length;
  let sum = 0;
  let resync = 0;
  for (let i = from + n - 1; i < len; i++) {
    // RollingStats re-sums when Number.isFinite(sum + m2) fails; m2 = 0 without variance.
    if (resync === 0 || sum - sum !== 0) {
      sum = windowSum(src, i - n + 1, n);
      resync = n;
    } else {
      sum = sum + (src[i] - src[i - n]);
    }
    resync--;
    dst[i] = sum / n;
  }
}

/**
 * Batch rolling maximum of src over n values into dst[n − 1 ..], equal to
 * `windowMax` at every bar (Math.max is exact, order-free, NaN-propagating and
 * ranks +0 above −0, so any grouping gives the same double). O(1) per bar
 * (van Herk / Gil-Werman): the window ending at i is the suffix of the previous
 * n-block from i − n + 1 plus the prefix of the current block up to i.
 * `buf` is scratch of length >= n + 1.
 */
export function rollingMaxInto(src: Float64Array, n: number, dst: Float64Array, buf: Float64Array): void {
  const len = src.length;
  const first = n - 1;
  buf[n] = -Infinity; // "suffix" of an empty range: the window is the whole current block
  for (let b = 0; b < len; b += n) {
    const e = b + n < len ? b + n : len;
    let pre = -Infinity;
    for (let i = b; i < e; i++) {
      pre = Math.max(pre, src[i]);
      if (i >= first) dst[i] = Math.max(buf[i - b + 1], pre);
    }
    let suf = -Infinity;
    for (let j = e - 1; j >= b; j--) {
      suf = Math.max(src[j], suf);
      buf[j - b] = suf;
    }
  }
}

/** Batch rolling minimum: `rollingMaxInto` with Math.min, equal to `windowMin` at every bar. */
export function rollingMinInto(src: Float64Array, n: number, dst: Float64Array, buf: Float64Array): void {
  const len = src.length;
  const first = n - 1;
  buf[n] = Infinity;
  for (let b = 0; b < len; b += n) {
    const e = b + n < len ? b + n : len;
    let pre = Infinity;
    for (let i = b; i < e; i++) {
      pre = Math.min(pre, src[i]);
      if (i >= first) dst[i] = Math.min(buf[i - b + 1], pre);
    }
    let suf = Infinity;
    for (let j = e - 1; j >= b; j--) {
      suf = Math.min(src[j], suf);
      buf[j - b] = suf;
    }
  }
}
