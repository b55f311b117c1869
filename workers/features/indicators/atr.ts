import type { IndicatorDef, OhlcvColumns } from './types.ts';
import { trueRange, wilderRatio } from './math.ts';
import { ExpSmoother } from './smoother.ts';
import { BarStream, outColumn } from './stream.ts';

/**
 * True range per bar (TTR `ATR(...)[, "tr"]`): NaN on bar 0, which has no previous close.
 * `out`: optional output column (see `IndicatorDef.batch`).
 */
export function trueRangeColumn(high: Float64Array, low: Float64Array, close: Float64Array, out?: readonly Float64Array[]): Float64Array {
  const len = close.length;
  const col = outColumn(out, 0, len, 1);
  for (let i = 1; i < len; i++) col[i] = trueRange(high[i], low[i], close[i - 1]);
  return col;
}

/**
 * ATR(n), in price units (TTR `ATR`, TA-Lib `ATR`): Wilder smoothing (ratio 1/n)
 * of the true range from bar 1, seeded with the mean TR of bars 1..n. First value
 * at bar n. (trading-signals and technicalindicators count bar 0's high − low as
 * a TR and start one bar earlier.)
 * `out`: optional output column (see `IndicatorDef.batch`).
 */
export function atr(high: Float64Array, low: Float64Array, close: Float64Array, n: number, out?: readonly Float64Array[]): Float64Array {
  const len = close.length;
  const col = outColumn(out, 0, len, n);
  if (len <= n) return col;
  const a = wilderRatio(n);
  const keep = 1 - a;
  let v = 0;
  for (let i = 1; i <= n; i++) v += trueRange(high[i], low[i], close[i - 1]);
  v = v / n;
  col[n] = v;
  // trueRange and smoothStep inlined (same operations, same order).
  let pc = close[n];
  for (let i = n + 1; i < len; i++) {
    const tr = Math.max(high[i], pc) - Math.min(low[i], pc);
    pc = close[i];
    v = tr * a + v * keep;
    col[i] = v;
  }
  return col;
}

export class AtrStream extends BarStream {
  private readonly smoother: ExpSmoother;
  private prevClose = NaN;
  private lastClose = NaN;

  constructor(readonly n: number) {
    super([`atr_${n}`], n);
    this.smoother = new ExpSmoother(n, wilderRatio(n));
  }

  protected step(_o: number, high: number, low: number, close: number, _v: number, replace: boolean): void {
    if (!replace) this.prevClose = this.lastClose;
    this.lastClose = close;
    if (this.bars < 2) return;
    this.out[0] = this.smoother.next(trueRange(high, low, this.prevClose), replace);
  }

  protected clear(): void {
    this.smoother.reset();
    this.prevClose = this.lastClose = NaN;
  }
}

export const atrDef: IndicatorDef = {
  key: 'atr',
  params: ['period'],
  defaults: [14],
  outputs: (p) => [`atr_${p[0]}`],
  warmup: (p) => p[0],
  batch: (c: OhlcvColumns, p, out) => [atr(c.high, c.low, c.close, p[0], out)],
  stream: (p) => new AtrStream(p[0]),
};
