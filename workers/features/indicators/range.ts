import type { IndicatorDef, OhlcvColumns } from './types.ts';
import { BarStream, Scratch, outColumn } from './stream.ts';
import { RingWindow, RollingStats, rollingMaxInto, rollingMeanInto, rollingMinInto, windowMax, windowMin } from './window.ts';

/*
 * Indicators built on the n-bar high/low range: highest high, lowest low, the
 * slow stochastic and Williams %R. Max/min are exact, so the streaming form
 * scanning its window (O(n)) and the batch kernels' O(1)-per-bar block scheme
 * give identical results.
 */

/** Fast stochastic %K, 0-100: where the close sits in the range; 50 for a zero range (TTR leaves NaN). */
function fastK(close: number, hi: number, lo: number): number {
  const range = hi - lo;
  return range === 0 ? 50 : ((close - lo) / range) * 100;
}

/** Williams %R, −100..0 (0 = close at the highest high); −50 for a zero range (as TTR's WPR: 0.5). */
function williamsR(close: number, hi: number, lo: number): number {
  const range = hi - lo;
  return range === 0 ? -50 : ((hi - close) / range) * -100;
}

/** Scratch of the batch kernels: the suffix maxima/minima of the previous block. */
const rangeScratch = new Scratch();

/**
 * Highest high of the last n bars (TTR `runMax(high, n)`); first value at bar n − 1.
 * `out`: optional output column (see `IndicatorDef.batch`).
 */
export function highest(high: Float64Array, n: number, out?: readonly Float64Array[]): Float64Array {
  const col = outColumn(out, 0, high.length, n - 1);
  rollingMaxInto(high, n, col, rangeScratch.get(n + 1));
  return col;
}

/**
 * Lowest low of the last n bars (TTR `runMin(low, n)`); first value at bar n − 1.
 * `out`: optional output column (see `IndicatorDef.batch`).
 */
export function lowest(low: Float64Array, n: number, out?: readonly Float64Array[]): Float64Array {
  const col = outColumn(out, 0, low.length, n - 1);
  rollingMinInto(low, n, col, rangeScratch.get(n + 1));
  return col;
}

/*
 * The batch kernels below find the window's highest high and lowest low in O(1)
 * per bar (van Herk / Gil-Werman, as `rollingMaxInto`): the window ending at i
 * is the suffix of the previous n-block from i − n + 1 (kept in scratch, with an
 * identity entry ∓Infinity at index n for a window that is exactly the current
 * block) plus the running prefix of the current block. Math.max/Math.min are
 * exact and order-free (NaN and ±0 included), so the values equal `windowMax` /
 * `windowMin` of the streaming form bit for bit.
 */

/**
 * Williams %R(n), −100..0 (TTR `−100 · WPR(HLC, n)`); first value at bar n − 1.
 * `out`: optional output column (see `IndicatorDef.batch`).
 */
export function willr(high: Float64Array, low: Float64Array, close: Float64Array, n: number, out?: readonly Float64Array[]): Float64Array {
  const len = close.length;
  const col = outColumn(out, 0, len, n - 1);
  const buf = rangeScratch.get(2 * (n + 1));
  const L = n + 1; // suffix minima at buf[L ..]
  buf[n] = -Infinity;
  buf[L + n] = Infinity;
  const first = n - 1;
  for (let b = 0; b < len; b += n) {
    const e = b + n < len ? b + n : len;
    let ph = -Infinity;
    let pl = Infinity;
    for (let i = b; i < e; i++) {
      ph = Math.max(ph, high[i]);
      pl = Math.min(pl, low[i]);
      if (i < first) continue;
      const q = i - b + 1;
      const hi = Math.max(buf[q], ph);
      const lo = Math.min(buf[L + q], pl);
      const range = hi - lo; // williamsR inlined
      col[i] = range === 0 ? -50 : ((hi - close[i]) / range) * -100;
    }
    let sh = -Infinity;
    let sl = Infinity;
    for (let j = e - 1; j >= b; j--) {
      sh = Math.max(high[j], sh);
      sl = Math.min(low[j], sl);
      buf[j - b] = sh;
      buf[L + j - b] = sl;
    }
  }
  return col;
}

/**
 * Slow stochastic(k, slowing, d), 0-100 (TTR `stoch(HLC, nFastK = k, nFastD =
 * slowing, nSlowD = d)`, its fastD and slowD × 100): %K = SMA(slowing) of the fast
 * %K, %D = SMA(d) of %K. Outputs [%K, %D]; %K from bar k + slowing − 2, %D from
 * bar k + slowing + d − 3.
 * `out`: optional output columns [%K, %D] (see `IndicatorDef.batch`).
 *
 * Three tight passes without scratch columns: (1) highest/lowest by blocks and
 * the fast %K, parked in the %D column; (2) %K = rolling mean of that into the
 * %K column; (3) %D = rolling mean of %K into the %D column, then its warm-up
 * re-set to NaN. The means are RollingStats(·, false) inlined (`rollingMeanInto`),
 * so every double equals the streaming form's. (One merged loop was measured
 * slower: too many live values for one loop body.)
 */
export function stoch(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  k: number,
  slowing: number,
  d: number,
  out?: readonly Float64Array[],
): Float64Array[] {
  const len = close.length;
  const k0 = k - 1; // first fast %K
  const d0 = k0 + slowing - 1; // first %K
  const e0 = d0 + d - 1; // first %D
  const pctK = outColumn(out, 0, len, d0);
  const pctD = outColumn(out, 1, len, 0);
  const result = [pctK, pctD]; // built before the loops: see RESULT_FIRST in stream.ts
  const fast = pctD;
  const buf = rangeScratch.get(2 * (k + 1));
  const L = k + 1; // suffix minima at buf[L ..]
  buf[k] = -Infinity;
  buf[L + k] = Infinity;
  for (let b = 0; b < len; b += k) {
    const e = b + k < len ? b + k : len;
    let ph = -Infinity;
    let pl = Infinity;
    for (let i = b; i < e; i++) {
      ph = Math.max(ph, high[i]);
      pl = Math.min(pl, low[i]);
      if (i < k0) continue;
      const q = i - b + 1;
      const hi = Math.max(buf[q], ph);
      const lo = Math.min(buf[L + q], pl);
      const range = hi - lo; // fastK inlined
      fast[i] = range === 0 ? 50 : ((close[i] - lo) / range) * 100;
    }
    let sh = -Infinity;
    let sl = Infinity;
    for (let j = e - 1; j >= b; j--) {
      sh = Math.max(high[j], sh);
      sl = Math.min(low[j], sl);
      buf[j - b] = sh;
      buf[L + j - b] = sl;
    }
  }
  rollingMeanInto(fast, slowing, pctK, k0);
  rollingMeanInto(pctK, d, pctD, d0);
  pctD.fill(NaN, 0, e0 < len ? e0 : len);
  return result;
}

export class StochStream extends BarStream {
  private readonly highs: RingWindow;
  private readonly lows: RingWindow;
  private readonly fast: RingWindow;
  private readonly slowK: RingWindow;
  private readonly kStats: RollingStats;
  private readonly dStats: RollingStats;

  constructor(k: number, slowing: number, d: number) {
    const s = `${k}_${slowing}_${d}`;
    super([`stoch_k_${s}`, `stoch_d_${s}`], k + slowing + d - 3);
    this.highs = new RingWindow(k);
    this.lows = new RingWindow(k);
    this.fast = new RingWindow(slowing);
    this.slowK = new RingWindow(d);
    this.kStats = new RollingStats(slowing, false);
    this.dStats = new RollingStats(d, false);
  }

  protected step(_o: number, high: number, low: number, close: number, _v: number, replace: boolean): void {
    const { highs, lows, fast, slowK } = this;
    highs.push(high, replace);
    lows.push(low, replace);
    if (!highs.full) return;
    const f = fastK(close, windowMax(highs.buf, highs.start, highs.n), windowMin(lows.buf, lows.start, lows.n));
    fast.push(f, replace);
    const m = this.kStats.next(f, fast.leaving, fast.buf, fast.start, replace);
    if (!fast.full) return;
    this.out[0] = m;
    slowK.push(m, replace);
    this.out[1] = this.dStats.next(m, slowK.leaving, slowK.buf, slowK.start, replace);
  }

  protected clear(): void {
    this.highs.reset();
    this.lows.reset();
    this.fast.reset();
    this.slowK.reset();
    this.kStats.reset();
    this.dStats.reset();
  }
}

/** Streaming highest high, lowest low or Williams %R over the last n bars. */
class RangeStream extends BarStream {
  private readonly highs: RingWindow;
  private readonly lows: RingWindow;

  constructor(
    name: string,
    readonly n: number,
    private readonly kind: 'highest' | 'lowest' | 'willr',
  ) {
    super([name], n - 1);
    this.highs = new RingWindow(n);
    this.lows = new RingWindow(n);
  }

  protected step(_o: number, high: number, low: number, close: number, _v: number, replace: boolean): void {
    const { highs, lows, n } = this;
    highs.push(high, replace);
    lows.push(low, replace);
    if (!highs.full) return;
    if (this.kind === 'highest') this.out[0] = windowMax(highs.buf, highs.start, n);
    else if (this.kind === 'lowest') this.out[0] = windowMin(lows.buf, lows.start, n);
    else this.out[0] = williamsR(close, windowMax(highs.buf, highs.start, n), windowMin(lows.buf, lows.start, n));
  }

  protected clear(): void {
    this.highs.reset();
    this.lows.reset();
  }
}

export const stochDef: IndicatorDef = {
  key: 'stoch',
  params: ['k', 'slowing', 'd'],
  defaults: [14, 3, 3],
  outputs: (p) => [`stoch_k_${p.join('_')}`, `stoch_d_${p.join('_')}`],
  warmup: (p) => p[0] + p[1] + p[2] - 3,
  batch: (c: OhlcvColumns, p, out) => stoch(c.high, c.low, c.close, p[0], p[1], p[2], out),
  stream: (p) => new StochStream(p[0], p[1], p[2]),
};

export const willrDef: IndicatorDef = {
  key: 'willr',
  params: ['period'],
  defaults: [14],
  outputs: (p) => [`willr_${p[0]}`],
  warmup: (p) => p[0] - 1,
  batch: (c: OhlcvColumns, p, out) => [willr(c.high, c.low, c.close, p[0], out)],
  stream: (p) => new RangeStream(`willr_${p[0]}`, p[0], 'willr'),
};

export const highestDef: IndicatorDef = {
  key: 'highest',
  params: ['period'],
  defaults: [20],
  outputs: (p) => [`highest_${p[0]}`],
  warmup: (p) => p[0] - 1,
  batch: (c: OhlcvColumns, p, out) => [highest(c.high, p[0], out)],
  stream: (p) => new RangeStream(`highest_${p[0]}`, p[0], 'highest'),
};

export const lowestDef: IndicatorDef = {
  key: 'lowest',
  params: ['period'],
  defaults: [20],
  outputs: (p) => [`lowest_${p[0]}`],
  warmup: (p) => p[0] - 1,
  batch: (c: OhlcvColumns, p, out) => [lowest(c.low, p[0], out)],
  stream: (p) => new RangeStream(`lowest_${p[0]}`, p[0], 'lowest'),
};
