import type { IndicatorDef, OhlcvColumns } from './types.ts';
import { BarStream, outColumn } from './stream.ts';
import { RingWindow } from './window.ts';

/** Rate of change in percent: (close / close n bars ago − 1)·100, TTR's operation order. */
function rateOfChange(close: number, past: number): number {
  return (close / past - 1) * 100;
}

/**
 * ROC(n) of the close in PERCENT (TTR `100 · ROC(close, n, type = "discrete")`, TA-Lib `ROC`); first value at bar n.
 * `out`: optional output column (see `IndicatorDef.batch`).
 */
export function roc(close: Float64Array, n: number, out?: readonly Float64Array[]): Float64Array {
  const col = outColumn(out, 0, close.length, n);
  for (let i = n; i < close.length; i++) col[i] = rateOfChange(close[i], close[i - n]);
  return col;
}

export class RocStream extends BarStream {
  private readonly win: RingWindow;

  constructor(readonly n: number) {
    super([`roc_${n}`], n);
    this.win = new RingWindow(n);
  }

  protected step(_o: number, _h: number, _l: number, close: number, _v: number, replace: boolean): void {
    this.win.push(close, replace);
    // `leaving` is the close n bars before this one (NaN until there is one).
    this.out[0] = rateOfChange(close, this.win.leaving);
  }

  protected clear(): void {
    this.win.reset();
  }
}

/** Signed volume of one bar for OBV: +volume on an up close, −volume on a down close, 0 when unchanged, NaN for a NaN close. */
function obvFlow(close: number, prevClose: number, volume: number): number {
  return close > prevClose ? volume : close < prevClose ? -volume : close === prevClose ? 0 : NaN;
}

/**
 * On-balance volume (TTR `OBV`, TA-Lib `OBV`): starts at bar 0's volume, then
 * adds the signed volume. Warm-up 0. (TTR also treats changes below 1.5e-8 in
 * log terms as unchanged; we compare exactly. technicalindicators starts at 0.)
 * `out`: optional output column (see `IndicatorDef.batch`).
 */
export function obv(close: Float64Array, volume: Float64Array, out?: readonly Float64Array[]): Float64Array {
  const col = outColumn(out, 0, close.length, 0);
  if (close.length === 0) return col;
  let v = volume[0];
  col[0] = v;
  for (let i = 1; i < close.length; i++) {
    v = v + obvFlow(close[i], close[i - 1], volume[i]);
    col[i] = v;
  }
  return col;
}

export class ObvStream extends BarStream {
  private total = 0;
  private prevTotal = 0;
  private prevClose = NaN;
  private lastClose = NaN;

  constructor() {
    super(['obv'], 0);
  }

  protected step(_o: number, _h: number, _l: number, close: number, volume: number, replace: boolean): void {
    if (replace) this.total = this.prevTotal;
    else {
      this.prevTotal = this.total;
      this.prevClose = this.lastClose;
    }
    this.lastClose = close;
    this.total = this.bars === 1 ? volume : this.total + obvFlow(close, this.prevClose, volume);
    this.out[0] = this.total;
  }

  protected clear(): void {
    this.total = this.prevTotal = 0;
    this.prevClose = this.lastClose = NaN;
  }
}

export const rocDef: IndicatorDef = {
  key: 'roc',
  params: ['period'],
  defaults: [10],
  outputs: (p) => [`roc_${p[0]}`],
  warmup: (p) => p[0],
  batch: (c: OhlcvColumns, p, out) => [roc(c.close, p[0], out)],
  stream: (p) => new RocStream(p[0]),
};

export const obvDef: IndicatorDef = {
  key: 'obv',
  params: [],
  defaults: [],
  outputs: () => ['obv'],
  warmup: () => 0,
  batch: (c: OhlcvColumns, _p, out) => [obv(c.close, c.volume, out)],
  stream: () => new ObvStream(),
};
