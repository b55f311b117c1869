import type { IndicatorDef, OhlcvColumns } from './types.ts';
import { balance100, gainOf, lossOf, smoothStep, wilderRatio } from './math.ts';
import { ExpSmoother } from './smoother.ts';
import { BarStream, outColumn } from './stream.ts';

/**
 * RSI(n) of the close, 0-100 (TTR `RSI`, Wilder): average gain and average loss
 * of the close-to-close changes, each Wilder-smoothed (ratio 1/n) and seeded with
 * the mean of the first n changes (bars 1..n); RSI = 100·gain / (gain + loss),
 * 50 when both are 0. First value at bar n.
 * `out`: optional output column (see `IndicatorDef.batch`).
 */
export function rsi(close: Float64Array, n: number, out?: readonly Float64Array[]): Float64Array {
  const len = close.length;
  const col = outColumn(out, 0, len, n);
  if (len <= n) return col;
  const a = wilderRatio(n);
  const keep = 1 - a;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= n; i++) {
    const d = close[i] - close[i - 1];
    gain += gainOf(d);
    loss += lossOf(d);
  }
  gain = gain / n;
  loss = loss / n;
  col[n] = balance100(gain, loss);
  // Hot loop: gainOf/lossOf without data-dependent branches (a comparison on the
  // sign of a random-walk change mispredicts half the time; V8 compiles Math.max
  // with branches too). For finite d with 2|d| finite, (d + |d|)·0.5 is exactly
  // gainOf(d) (d + d = 2d and the halving are exact; d + −d = +0; −0 gives +0) and
  // g − d is then exactly lossOf(d) (+0 or −d). Anything else (NaN, ±Infinity,
  // |d| > MAX/2) makes g NaN or +Infinity: the rest of the series then runs the
  // plain loop with the helpers themselves. smoothStep and balance100 inlined
  // (same operations, same order).
  let prev = close[n];
  let i = n + 1;
  for (; i < len; i++) {
    const x = close[i];
    const d = x - prev;
    const g = (d + Math.abs(d)) * 0.5;
    if (!(g < Infinity)) break;
    prev = x;
    gain = g * a + gain * keep;
    loss = (g - d) * a + loss * keep;
    const total = gain + loss;
    col[i] = total === 0 ? 50 : (100 * gain) / total;
  }
  for (; i < len; i++) {
    const d = close[i] - close[i - 1];
    gain = smoothStep(gain, gainOf(d), a, keep);
    loss = smoothStep(loss, lossOf(d), a, keep);
    col[i] = balance100(gain, loss);
  }
  return col;
}

export class RsiStream extends BarStream {
  private readonly gain: ExpSmoother;
  private readonly loss: ExpSmoother;
  private prevClose = NaN;
  private lastClose = NaN;

  constructor(readonly n: number) {
    super([`rsi_${n}`], n);
    this.gain = new ExpSmoother(n, wilderRatio(n));
    this.loss = new ExpSmoother(n, wilderRatio(n));
  }

  protected step(_o: number, _h: number, _l: number, close: number, _v: number, replace: boolean): void {
    if (!replace) this.prevClose = this.lastClose;
    this.lastClose = close;
    if (this.bars < 2) return; // the first bar has no change
    const d = close - this.prevClose;
    const g = this.gain.next(gainOf(d), replace);
    const l = this.loss.next(lossOf(d), replace);
    this.out[0] = this.bars > this.n ? balance100(g, l) : NaN;
  }

  protected clear(): void {
    this.gain.reset();
    this.loss.reset();
    this.prevClose = this.lastClose = NaN;
  }
}

export const rsiDef: IndicatorDef = {
  key: 'rsi',
  params: ['period'],
  defaults: [14],
  outputs: (p) => [`rsi_${p[0]}`],
  warmup: (p) => p[0],
  batch: (c: OhlcvColumns, p, out) => [rsi(c.close, p[0], out)],
  stream: (p) => new RsiStream(p[0]),
};
