import type { IndicatorDef, OhlcvColumns } from './types.ts';
import { emaRatio } from './math.ts';
import { ExpSmoother, smoothSeries } from './smoother.ts';
import { BarStream, outColumn } from './stream.ts';
import { RingWindow, RollingStats, rollingMeanInto } from './window.ts';

/**
 * SMA(n) of the close (TTR `SMA`, TA-Lib `SMA`); first value at bar n − 1.
 * `out`: optional output column (see `IndicatorDef.batch`).
 */
export function sma(close: Float64Array, n: number, out?: readonly Float64Array[]): Float64Array {
  const len = close.length;
  const col = outColumn(out, 0, len, n - 1);
  rollingMeanInto(close, n, col);
  return col;
}

export class SmaStream extends BarStream {
  private readonly win: RingWindow;
  private readonly stats: RollingStats;

  constructor(readonly n: number) {
    super([`sma_${n}`], n - 1);
    this.win = new RingWindow(n);
    this.stats = new RollingStats(n, false);
  }

  protected step(_o: number, _h: number, _l: number, close: number, _v: number, replace: boolean): void {
    this.win.push(close, replace);
    this.out[0] = this.stats.next(close, this.win.leaving, this.win.buf, this.win.start, replace);
  }

  protected clear(): void {
    this.win.reset();
    this.stats.reset();
  }
}

/**
 * EMA(n) of the close, ratio 2/(n+1), seeded with the SMA of the first n closes (TTR `EMA`); first value at bar n − 1.
 * `out`: optional output column (see `IndicatorDef.batch`).
 */
export function ema(close: Float64Array, n: number, out?: readonly Float64Array[]): Float64Array {
  const col = outColumn(out, 0, close.length, n - 1);
  smoothSeries(close, n, emaRatio(n), col);
  return col;
}

export class EmaStream extends BarStream {
  private readonly smoother: ExpSmoother;

  constructor(readonly n: number) {
    super([`ema_${n}`], n - 1);
    this.smoother = new ExpSmoother(n, emaRatio(n));
  }

  protected step(_o: number, _h: number, _l: number, close: number, _v: number, replace: boolean): void {
    this.out[0] = this.smoother.next(close, replace);
  }

  protected clear(): void {
    this.smoother.reset();
  }
}

export const smaDef: IndicatorDef = {
  key: 'sma',
  params: ['period'],
  defaults: [20],
  outputs: (p) => [`sma_${p[0]}`],
  warmup: (p) => p[0] - 1,
  batch: (c: OhlcvColumns, p, out) => [sma(c.close, p[0], out)],
  stream: (p) => new SmaStream(p[0]),
};

export const emaDef: IndicatorDef = {
  key: 'ema',
  params: ['period'],
  defaults: [20],
  outputs: (p) => [`ema_${p[0]}`],
  warmup: (p) => p[0] - 1,
  batch: (c: OhlcvColumns, p, out) => [ema(c.close, p[0], out)],
  stream: (p) => new EmaStream(p[0]),
};
