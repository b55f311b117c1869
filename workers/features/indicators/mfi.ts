import type { IndicatorDef, OhlcvColumns } from './types.ts';
import { balance100, typicalPrice } from './math.ts';
import { BarStream, Scratch, outColumn } from './stream.ts';
import { RingWindow, windowSum } from './window.ts';

/**
 * Relative change below which the typical price counts as unchanged. (H+L+C)/3
 * in doubles can differ by an ulp for bars whose decimal typical prices are
 * equal; R's long-double mean does not, and real moves are far above 1e-12.
 */
const UNCHANGED = 1e-12;

/** Scratch of the batch kernel: the flow rings. */
const mfiScratch = new Scratch();

/** +1 if the typical price rose, −1 if it fell, 0 if unchanged, NaN if either is NaN. */
function direction(tp: number, prevTp: number): number {
  const d = tp - prevTp;
  const tol = UNCHANGED * Math.abs(prevTp);
  return d > tol ? 1 : d < -tol ? -1 : d === d ? 0 : NaN;
}

/** The bar's money flow if `dir` matches `sign` (+1 positive flow, −1 negative), else 0; NaN passes through. */
function flowOf(dir: number, sign: number, flow: number): number {
  return dir === sign ? flow : dir === dir ? 0 : NaN;
}

/**
 * MFI(n), 0-100 (TTR `MFI(HLC, volume, n)`): money flow tp·volume counts as
 * positive when the typical price rose from the previous bar, negative when it
 * fell, neither when unchanged (within 1e-12 relative); MFI = 100·pos/(pos + neg) over the last n bars
 * (from bar 1), 100 with no negative flow, 50 with no flow at all. The window
 * sums are recomputed each bar so "no negative flow" is an exact 0. First value
 * at bar n. (technicalindicators counts an unchanged price as negative flow and
 * rounds to 2 decimals.)
 * `out`: optional output column (see `IndicatorDef.batch`).
 */
export function mfi(high: Float64Array, low: Float64Array, close: Float64Array, volume: Float64Array, n: number, out?: readonly Float64Array[]): Float64Array {
  const len = close.length;
  const col = outColumn(out, 0, len, n);
  // Positive and negative flows of the last n bars in doubled rings (as RingWindow), summed oldest first.
  const buf = mfiScratch.get(4 * n);
  const N = 2 * n; // negative flows at buf[N ..]
  let slot = -1;
  let prevTp = NaN;
  for (let i = 0; i < len; i++) {
    const tp = typicalPrice(high[i], low[i], close[i]);
    const flow = tp * volume[i];
    const dir = direction(tp, prevTp); // NaN on bar 0, which no window includes
    const p = flowOf(dir, 1, flow);
    const q = flowOf(dir, -1, flow);
    prevTp = tp;
    if (++slot === n) slot = 0;
    buf[slot] = p;
    buf[slot + n] = p;
    buf[N + slot] = q;
    buf[N + slot + n] = q;
    if (i < n) continue;
    // Both window sums in one loop, each still added oldest first from 0 as `windowSum` does (the
    // same doubles): two independent chains instead of two loops one after the other.
    let up = 0;
    let down = 0;
    for (let j = slot + 1, end = slot + 1 + n; j < end; j++) {
      up += buf[j];
      down += buf[N + j];
    }
    col[i] = balance100(up, down);
  }
  return col;
}

export class MfiStream extends BarStream {
  private readonly pos: RingWindow;
  private readonly neg: RingWindow;
  private prevTp = NaN;
  private lastTp = NaN;

  constructor(readonly n: number) {
    super([`mfi_${n}`], n);
    this.pos = new RingWindow(n);
    this.neg = new RingWindow(n);
  }

  protected step(_o: number, high: number, low: number, close: number, volume: number, replace: boolean): void {
    const tp = typicalPrice(high, low, close);
    if (!replace) this.prevTp = this.lastTp;
    this.lastTp = tp;
    if (this.bars < 2) return; // bar 0 has no previous typical price
    const flow = tp * volume;
    const { pos, neg, n } = this;
    const dir = direction(tp, this.prevTp);
    pos.push(flowOf(dir, 1, flow), replace);
    neg.push(flowOf(dir, -1, flow), replace);
    if (pos.full) this.out[0] = balance100(windowSum(pos.buf, pos.start, n), windowSum(neg.buf, neg.start, n));
  }

  protected clear(): void {
    this.pos.reset();
    this.neg.reset();
    this.prevTp = this.lastTp = NaN;
  }
}

export const mfiDef: IndicatorDef = {
  key: 'mfi',
  params: ['period'],
  defaults: [14],
  outputs: (p) => [`mfi_${p[0]}`],
  warmup: (p) => p[0],
  batch: (c: OhlcvColumns, p, out) => [mfi(c.high, c.low, c.close, c.volume, p[0], out)],
  stream: (p) => new MfiStream(p[0]),
};
