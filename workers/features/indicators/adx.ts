import type { IndicatorDef, OhlcvColumns } from './types.ts';
import { minusDM, plusDM, trueRange, wilderRatio } from './math.ts';
import { ExpSmoother, WilderSum } from './smoother.ts';
import { BarStream, outColumn } from './stream.ts';

/** +DI, −DI (0-100) and DX from the three Wilder sums; zero true range or no directional movement gives 0. */
function directional(sPlus: number, sMinus: number, sTR: number, dst: Float64Array): void {
  const pdi = sTR === 0 ? 0 : (100 * sPlus) / sTR;
  const mdi = sTR === 0 ? 0 : (100 * sMinus) / sTR;
  const sum = pdi + mdi;
  dst[0] = pdi;
  dst[1] = mdi;
  dst[2] = sum === 0 ? 0 : 100 * (Math.abs(pdi - mdi) / sum);
}

/**
 * ADX(n) with +DI and −DI, all 0-100, exactly as TTR `ADX(HLC, n)`: +DM/−DM and
 * TR from bar 1 are accumulated with TTR's `wilderSum` (first n − 1 summed, then
 * x + prev·(n−1)/n), DI = 100·sum(DM)/sum(TR) from bar n, DX = 100·|+DI − −DI| /
 * (+DI + −DI), ADX = Wilder smoothing (ratio 1/n) of DX seeded with the mean of
 * its first n values: first ADX at bar 2n − 1. Outputs [adx, plusDI, minusDI].
 * `out`: optional output columns in that order (see `IndicatorDef.batch`).
 */
export function adx(high: Float64Array, low: Float64Array, close: Float64Array, n: number, out?: readonly Float64Array[]): Float64Array[] {
  const len = close.length;
  const adxOut = outColumn(out, 0, len, 2 * n - 1);
  const pdiOut = outColumn(out, 1, len, n);
  const mdiOut = outColumn(out, 2, len, n);
  const result = [adxOut, pdiOut, mdiOut]; // built before the loop: see RESULT_FIRST in stream.ts
  const keep = (n - 1) / n;
  const a = wilderRatio(n);
  const aKeep = 1 - a;
  if (len <= n) return result; // all warm-up
  let sP = 0, sM = 0, sT = 0, accDX = 0, vADX = NaN;
  // Seed: the first n − 1 values of +DM, −DM and TR are summed (they act as the previous sum at bar n).
  for (let i = 1; i < n; i++) {
    const up = high[i] - high[i - 1];
    const down = low[i - 1] - low[i];
    sP += plusDM(up, down);
    sM += minusDM(up, down);
    sT += trueRange(high[i], low[i], close[i - 1]);
  }
  // From bar n: plusDM, minusDM, trueRange, wilderSumStep, `directional` and smoothStep
  // inlined (same operations, same order), with the previous bar's high/low/close in locals.
  const adxStart = 2 * n - 1;
  let ph = high[n - 1], pl = low[n - 1], pc = close[n - 1];
  for (let i = n; i < len; i++) {
    const h = high[i], l = low[i];
    const up = h - ph;
    const down = pl - l;
    // plusDM/minusDM without data-dependent branches (up > down is a coin flip on
    // real data): (x + |x|)·0.5 is exactly max(x, 0) for finite x with 2|x| finite
    // (−0 and negatives give +0), and ·(+bool) keeps it (·1) or makes it +0 (·0),
    // which is exactly plusDM/minusDM. Anything else (NaN, ±Infinity, |x| > MAX/2)
    // takes the helpers themselves.
    let p = (up + Math.abs(up)) * 0.5 * +(up > down);
    let m = (down + Math.abs(down)) * 0.5 * +(down > up);
    if (!(p < Infinity && m < Infinity)) {
      p = plusDM(up, down);
      m = minusDM(up, down);
    }
    const tr = Math.max(h, pc) - Math.min(l, pc);
    ph = h;
    pl = l;
    pc = close[i];
    sP = p + sP * keep;
    sM = m + sM * keep;
    sT = tr + sT * keep;
    const pdi = sT === 0 ? 0 : (100 * sP) / sT;
    const mdi = sT === 0 ? 0 : (100 * sM) / sT;
    const sum = pdi + mdi;
    const dx = sum === 0 ? 0 : 100 * (Math.abs(pdi - mdi) / sum);
    pdiOut[i] = pdi;
    mdiOut[i] = mdi;
    if (i < adxStart) accDX += dx;
    else if (i === adxStart) {
      accDX += dx;
      vADX = accDX / n;
      adxOut[i] = vADX;
    } else {
      vADX = dx * a + vADX * aKeep;
      adxOut[i] = vADX;
    }
  }
  return result;
}

export class AdxStream extends BarStream {
  private readonly plus: WilderSum;
  private readonly minus: WilderSum;
  private readonly tr: WilderSum;
  private readonly smoother: ExpSmoother;
  private readonly di = new Float64Array(3);
  private prevHigh = NaN;
  private prevLow = NaN;
  private prevClose = NaN;
  private lastHigh = NaN;
  private lastLow = NaN;
  private lastClose = NaN;

  constructor(readonly n: number) {
    super([`adx_${n}`, `plus_di_${n}`, `minus_di_${n}`], 2 * n - 1);
    this.plus = new WilderSum(n);
    this.minus = new WilderSum(n);
    this.tr = new WilderSum(n);
    this.smoother = new ExpSmoother(n, wilderRatio(n));
  }

  protected step(_o: number, high: number, low: number, close: number, _v: number, replace: boolean): void {
    if (!replace) {
      this.prevHigh = this.lastHigh;
      this.prevLow = this.lastLow;
      this.prevClose = this.lastClose;
    }
    this.lastHigh = high;
    this.lastLow = low;
    this.lastClose = close;
    if (this.bars < 2) return;
    const up = high - this.prevHigh;
    const down = this.prevLow - low;
    const sP = this.plus.next(plusDM(up, down), replace);
    const sM = this.minus.next(minusDM(up, down), replace);
    const sT = this.tr.next(trueRange(high, low, this.prevClose), replace);
    if (this.bars <= this.n) return;
    directional(sP, sM, sT, this.di);
    this.out[1] = this.di[0];
    this.out[2] = this.di[1];
    this.out[0] = this.smoother.next(this.di[2], replace);
  }

  protected clear(): void {
    this.plus.reset();
    this.minus.reset();
    this.tr.reset();
    this.smoother.reset();
    this.prevHigh = this.prevLow = this.prevClose = NaN;
    this.lastHigh = this.lastLow = this.lastClose = NaN;
  }
}

export const adxDef: IndicatorDef = {
  key: 'adx',
  params: ['period'],
  defaults: [14],
  outputs: (p) => [`adx_${p[0]}`, `plus_di_${p[0]}`, `minus_di_${p[0]}`],
  warmup: (p) => 2 * p[0] - 1,
  batch: (c: OhlcvColumns, p, out) => adx(c.high, c.low, c.close, p[0], out),
  stream: (p) => new AdxStream(p[0]),
};
