import type { IndicatorDef, OhlcvColumns } from './types.ts';
import { typicalPrice } from './math.ts';
import { BarStream, Scratch, outColumn } from './stream.ts';
import { RingWindow, RollingStats, windowAbsDev, windowSum } from './window.ts';

/** Lambert's constant: scales CCI so most values fall within ±100. */
const CCI_SCALE = 0.015;

/** CCI of the latest typical price; 0 when the window is flat (TTR gives NaN). */
function cciValue(stats: RollingStats, tp: number, src: Float64Array, start: number): number {
  if (stats.flat) return 0;
  const meanDev = windowAbsDev(src, start, stats.n, stats.mean) / stats.n;
  return meanDev === 0 ? 0 : (tp - stats.mean) / (CCI_SCALE * meanDev);
}

/** Scratch of the batch kernel: the typical-price ring. */
const cciScratch = new Scratch();

/**
 * CCI(n), unbounded, typically ±100..±300 (TTR `CCI(HLC, n)`, TA-Lib `CCI`):
 * (tp − SMA(tp, n)) / (0.015 · mean |tp − SMA|) with tp = (H + L + C)/3, the
 * mean deviation taken around the current SMA. First value at bar n − 1.
 * `out`: optional output column (see `IndicatorDef.batch`).
 */
export function cci(high: Float64Array, low: Float64Array, close: Float64Array, n: number, out?: readonly Float64Array[]): Float64Array {
  const len = close.length;
  const col = outColumn(out, 0, len, n - 1);
  // The last n typical prices in a doubled ring (as RingWindow: buf[start .. start + n) is the
  // window, oldest first); RollingStats(n, false).next and `cciValue` inlined.
  const buf = cciScratch.get(2 * n);
  let slot = -1;
  let run = 0;
  let last = NaN;
  let sum = 0;
  let resync = 0;
  for (let i = 0; i < len; i++) {
    const tp = typicalPrice(high[i], low[i], close[i]);
    if (++slot === n) slot = 0;
    const leaving = buf[slot]; // meaningful only once n values were seen (i >= n)
    buf[slot] = tp;
    buf[slot + n] = tp;
    run = tp === last ? run + 1 : 1;
    last = tp;
    if (i < n - 1) continue;
    const start = slot + 1;
    if (resync === 0 || sum - sum !== 0) {
      sum = windowSum(buf, start, n);
      resync = n;
    } else sum = sum + (tp - leaving);
    resync--;
    const mean = sum / n;
    if (run >= n) col[i] = 0;
    else {
      const meanDev = windowAbsDev(buf, start, n, mean) / n;
      col[i] = meanDev === 0 ? 0 : (tp - mean) / (CCI_SCALE * meanDev);
    }
  }
  return col;
}

export class CciStream extends BarStream {
  private readonly win: RingWindow;
  private readonly stats: RollingStats;

  constructor(readonly n: number) {
    super([`cci_${n}`], n - 1);
    this.win = new RingWindow(n);
    this.stats = new RollingStats(n, false);
  }

  protected step(_o: number, high: number, low: number, close: number, _v: number, replace: boolean): void {
    const tp = typicalPrice(high, low, close);
    const { win } = this;
    win.push(tp, replace);
    this.stats.next(tp, win.leaving, win.buf, win.start, replace);
    if (win.full) this.out[0] = cciValue(this.stats, tp, win.buf, win.start);
  }

  protected clear(): void {
    this.win.reset();
    this.stats.reset();
  }
}

export const cciDef: IndicatorDef = {
  key: 'cci',
  params: ['period'],
  defaults: [20],
  outputs: (p) => [`cci_${p[0]}`],
  warmup: (p) => p[0] - 1,
  batch: (c: OhlcvColumns, p, out) => [cci(c.high, c.low, c.close, p[0], out)],
  stream: (p) => new CciStream(p[0]),
};
