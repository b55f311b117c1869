import type { IndicatorDef, OhlcvColumns } from './types.ts';
import { BarStream, outColumn } from './stream.ts';
import { RingWindow, RollingStats, windowSqDev, windowSum } from './window.ts';

/** The five Bollinger outputs of the latest bar into dst[0..4]: the one formula both forms use. */
function bands(stats: RollingStats, close: number, k: number, dst: Float64Array): void {
  const mid = stats.mean;
  const sd = stats.sd;
  const upper = mid + k * sd;
  const lower = mid - k * sd;
  const width = upper - lower;
  dst[0] = upper;
  dst[1] = mid;
  dst[2] = lower;
  // Flat window: the bands collapse onto the price, which sits in the middle.
  dst[3] = width === 0 ? 0.5 : (close - lower) / width;
  dst[4] = width / mid;
}

/**
 * Bollinger Bands(n, k) of the close (TTR `BBands(close, n, "SMA", sd = k)`):
 * middle = SMA(n); upper/lower = middle ± k·σ with σ the POPULATION standard
 * deviation; %B = (close − lower)/(upper − lower) as a fraction (0.5 when the
 * window is flat); bandwidth = (upper − lower)/middle as a fraction. Outputs
 * [upper, middle, lower, pctB, width]; first value at bar n − 1.
 * `out`: optional output columns in that order (see `IndicatorDef.batch`).
 */
export function bollinger(close: Float64Array, n: number, k: number, out?: readonly Float64Array[]): Float64Array[] {
  const len = close.length;
  const upper = outColumn(out, 0, len, n - 1);
  const mid = outColumn(out, 1, len, n - 1);
  const lower = outColumn(out, 2, len, n - 1);
  const pctB = outColumn(out, 3, len, n - 1);
  const width = outColumn(out, 4, len, n - 1);
  const result = [upper, mid, lower, pctB, width]; // built before the loop: see RESULT_FIRST in stream.ts
  // RollingStats(n, true).next + .sd and `bands`, inlined into locals (same operations, same order).
  let run = 0;
  let last = NaN;
  let sum = 0;
  let mean = NaN;
  let m2 = 0;
  let resync = 0;
  const warm = n - 1 < len ? n - 1 : len;
  for (let i = 0; i < warm; i++) {
    const x = close[i];
    run = x === last ? run + 1 : 1;
    last = x;
  }
  for (let i = warm; i < len; i++) {
    const x = close[i];
    run = x === last ? run + 1 : 1;
    last = x;
    const chk = sum + m2;
    if (resync === 0 || chk - chk !== 0) {
      sum = windowSum(close, i - n + 1, n);
      mean = sum / n;
      m2 = windowSqDev(close, i - n + 1, n, mean);
      resync = n;
    } else {
      const leaving = close[i - n];
      const before = mean;
      const delta = x - leaving;
      sum = sum + delta;
      mean = sum / n;
      m2 = m2 + delta * (x - mean + (leaving - before));
    }
    resync--;
    let sd = 0;
    if (run < n) {
      const variance = m2 / n;
      sd = Math.sqrt(variance < 0 ? 0 : variance);
    }
    const up = mean + k * sd;
    const lo = mean - k * sd;
    const w = up - lo;
    upper[i] = up;
    mid[i] = mean;
    lower[i] = lo;
    pctB[i] = w === 0 ? 0.5 : (x - lo) / w;
    width[i] = w / mean;
  }
  return result;
}

export class BollingerStream extends BarStream {
  private readonly win: RingWindow;
  private readonly stats: RollingStats;

  constructor(
    readonly n: number,
    readonly k: number,
  ) {
    const s = `${n}_${k}`;
    super([`bb_upper_${s}`, `bb_middle_${s}`, `bb_lower_${s}`, `bb_pctb_${s}`, `bb_width_${s}`], n - 1);
    this.win = new RingWindow(n);
    this.stats = new RollingStats(n, true);
  }

  protected step(_o: number, _h: number, _l: number, close: number, _v: number, replace: boolean): void {
    this.win.push(close, replace);
    this.stats.next(close, this.win.leaving, this.win.buf, this.win.start, replace);
    if (this.win.full) bands(this.stats, close, this.k, this.out);
  }

  protected clear(): void {
    this.win.reset();
    this.stats.reset();
  }
}

/**
 * Rolling POPULATION standard deviation of the close (TTR `runSD(sample = FALSE)`, TA-Lib `STDDEV`); 0 for a flat window.
 * `out`: optional output column (see `IndicatorDef.batch`).
 */
export function stddev(close: Float64Array, n: number, out?: readonly Float64Array[]): Float64Array {
  const len = close.length;
  const col = outColumn(out, 0, len, n - 1);
  // RollingStats(n, true).next + .sd inlined, as in `bollinger`.
  let run = 0;
  let last = NaN;
  let sum = 0;
  let mean = NaN;
  let m2 = 0;
  let resync = 0;
  for (let i = 0; i < len; i++) {
    const x = close[i];
    run = x === last ? run + 1 : 1;
    last = x;
    if (i < n - 1) continue;
    const chk = sum + m2;
    if (resync === 0 || chk - chk !== 0) {
      sum = windowSum(close, i - n + 1, n);
      mean = sum / n;
      m2 = windowSqDev(close, i - n + 1, n, mean);
      resync = n;
    } else {
      const leaving = close[i - n];
      const before = mean;
      const delta = x - leaving;
      sum = sum + delta;
      mean = sum / n;
      m2 = m2 + delta * (x - mean + (leaving - before));
    }
    resync--;
    let sd = 0;
    if (run < n) {
      const variance = m2 / n;
      sd = Math.sqrt(variance < 0 ? 0 : variance);
    }
    col[i] = sd;
  }
  return col;
}

export class StddevStream extends BarStream {
  private readonly win: RingWindow;
  private readonly stats: RollingStats;

  constructor(readonly n: number) {
    super([`stddev_${n}`], n - 1);
    this.win = new RingWindow(n);
    this.stats = new RollingStats(n, true);
  }

  protected step(_o: number, _h: number, _l: number, close: number, _v: number, replace: boolean): void {
    this.win.push(close, replace);
    this.stats.next(close, this.win.leaving, this.win.buf, this.win.start, replace);
    this.out[0] = this.stats.sd;
  }

  protected clear(): void {
    this.win.reset();
    this.stats.reset();
  }
}

export const bbDef: IndicatorDef = {
  key: 'bb',
  params: ['period', 'mult'],
  defaults: [20, 2],
  outputs: (p) => {
    const s = p.join('_');
    return [`bb_upper_${s}`, `bb_middle_${s}`, `bb_lower_${s}`, `bb_pctb_${s}`, `bb_width_${s}`];
  },
  warmup: (p) => p[0] - 1,
  batch: (c: OhlcvColumns, p, out) => bollinger(c.close, p[0], p[1], out),
  stream: (p) => new BollingerStream(p[0], p[1]),
};

export const stddevDef: IndicatorDef = {
  key: 'stddev',
  params: ['period'],
  defaults: [20],
  outputs: (p) => [`stddev_${p[0]}`],
  warmup: (p) => p[0] - 1,
  batch: (c: OhlcvColumns, p, out) => [stddev(c.close, p[0], out)],
  stream: (p) => new StddevStream(p[0]),
};
