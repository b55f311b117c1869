import type { IndicatorDef, OhlcvColumns } from './types.ts';
import { emaRatio, smoothStep } from './math.ts';
import { ExpSmoother } from './smoother.ts';
import { BarStream, outColumn } from './stream.ts';

/**
 * MACD(fast, slow, signal) of the close, in price units (TTR `MACD(maType =
 * "EMA", percent = FALSE)`): line = EMA(fast) − EMA(slow), both SMA-seeded;
 * signal = EMA(signal) of the line, seeded with the mean of the first `signal`
 * line values; histogram = line − signal. The line starts at bar
 * max(fast, slow) − 1, signal and histogram `signal − 1` bars later.
 * (TA-Lib's MACD instead starts the fast EMA late so both EMAs begin together,
 * and uses fixed ratios 0.15/0.075 for 12/26.)
 * `out`: optional output columns [line, signal, hist] (see `IndicatorDef.batch`).
 */
export function macd(close: Float64Array, fast: number, slow: number, signal: number, out?: readonly Float64Array[]): Float64Array[] {
  const len = close.length;
  const lineStart = Math.max(fast, slow) - 1;
  const sigStart = lineStart + signal - 1;
  const line = outColumn(out, 0, len, lineStart);
  const sig = outColumn(out, 1, len, sigStart);
  const hist = outColumn(out, 2, len, sigStart);
  const result = [line, sig, hist]; // built before the loop: see RESULT_FIRST in stream.ts
  const aF = emaRatio(fast), kF = 1 - aF;
  const aS = emaRatio(slow), kS = 1 - aS;
  const aG = emaRatio(signal), kG = 1 - aG;
  let accF = 0, accS = 0, accG = 0;
  let vF = NaN, vS = NaN, vG = NaN;
  // Warm-up: the same seeding sequence as ExpSmoother, kept out of the hot loop.
  const warm = Math.min(len, sigStart + 1);
  for (let i = 0; i < warm; i++) {
    const x = close[i];
    if (i < fast) {
      accF += x;
      if (i === fast - 1) vF = accF / fast;
    } else vF = smoothStep(vF, x, aF, kF);
    if (i < slow) {
      accS += x;
      if (i === slow - 1) vS = accS / slow;
    } else vS = smoothStep(vS, x, aS, kS);
    if (i >= lineStart) {
      const m = vF - vS;
      line[i] = m;
      accG += m;
      if (i === sigStart) {
        vG = accG / signal;
        sig[i] = vG;
        hist[i] = m - vG;
      }
    }
  }
  // smoothStep inlined: x·ratio + prev·keep.
  for (let i = warm; i < len; i++) {
    const x = close[i];
    vF = x * aF + vF * kF;
    vS = x * aS + vS * kS;
    const m = vF - vS;
    vG = m * aG + vG * kG;
    line[i] = m;
    sig[i] = vG;
    hist[i] = m - vG;
  }
  return result;
}

export class MacdStream extends BarStream {
  private readonly fast: ExpSmoother;
  private readonly slow: ExpSmoother;
  private readonly signal: ExpSmoother;
  private readonly lineStart: number;

  constructor(fast: number, slow: number, signal: number) {
    const s = `${fast}_${slow}_${signal}`;
    super([`macd_${s}`, `macd_signal_${s}`, `macd_hist_${s}`], Math.max(fast, slow) + signal - 2);
    this.fast = new ExpSmoother(fast, emaRatio(fast));
    this.slow = new ExpSmoother(slow, emaRatio(slow));
    this.signal = new ExpSmoother(signal, emaRatio(signal));
    this.lineStart = Math.max(fast, slow);
  }

  protected step(_o: number, _h: number, _l: number, close: number, _v: number, replace: boolean): void {
    const m = this.fast.next(close, replace) - this.slow.next(close, replace);
    this.out[0] = m;
    if (this.bars < this.lineStart) return;
    const g = this.signal.next(m, replace);
    this.out[1] = g;
    this.out[2] = m - g;
  }

  protected clear(): void {
    this.fast.reset();
    this.slow.reset();
    this.signal.reset();
  }
}

export const macdDef: IndicatorDef = {
  key: 'macd',
  params: ['fast', 'slow', 'signal'],
  defaults: [12, 26, 9],
  outputs: (p) => {
    const s = p.join('_');
    return [`macd_${s}`, `macd_signal_${s}`, `macd_hist_${s}`];
  },
  warmup: (p) => Math.max(p[0], p[1]) + p[2] - 2,
  batch: (c: OhlcvColumns, p, out) => macd(c.close, p[0], p[1], p[2], out),
  stream: (p) => new MacdStream(p[0], p[1], p[2]),
};
