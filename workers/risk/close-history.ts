import type { Timeframe } from '../market/timeframe.ts';

/** How many closes are kept per series: the longest lookback a rule may ask for, plus one for returns. */
export const CLOSES_KEPT = 1_001;

interface Ring {
  buf: Float64Array;
  next: number;
  size: number;
}

/**
 * The recent closes of every series the engine sees, in fixed rings: what the
 * correlation rule and matrix read. Pushing is O(1) and allocates nothing, so
 * keeping it costs a backtest nothing it would notice.
 */
export class CloseHistory {
  private readonly rings = new Map<string, Map<Timeframe, Ring>>();
  private readonly bySeries = new Map<Timeframe, string[]>();

  push(symbol: string, timeframe: Timeframe, close: number): void {
    // The same series as the last push (one symbol's bars in a row): no lookup at all.
    const r = this.lastSymbol === symbol && this.lastTimeframe === timeframe ? this.lastRing : this.ring(symbol, timeframe);
    this.lastSymbol = symbol;
    this.lastTimeframe = timeframe;
    this.lastRing = r;
    r.buf[r.next] = close;
    r.next = (r.next + 1) % CLOSES_KEPT;
    if (r.size < CLOSES_KEPT) r.size++;
  }

  private lastSymbol = '';
  private lastTimeframe: Timeframe | '' = '';
  private lastRing!: Ring;

  /** The ring of a series, made at its first close. By symbol, then timeframe: no key string built per bar. */
  private ring(symbol: string, timeframe: Timeframe): Ring {
    let bySymbol = this.rings.get(symbol);
    if (!bySymbol) this.rings.set(symbol, (bySymbol = new Map()));
    let r = bySymbol.get(timeframe);
    if (!r) {
      r = { buf: new Float64Array(CLOSES_KEPT), next: 0, size: 0 };
      bySymbol.set(timeframe, r);
      const list = this.bySeries.get(timeframe) ?? [];
      list.push(symbol);
      this.bySeries.set(timeframe, list);
    }
    return r;
  }

  /** The last `n` closes, oldest first (fewer when fewer were seen). */
  last(symbol: string, timeframe: Timeframe, n: number): number[] {
    const r = this.rings.get(symbol)?.get(timeframe);
    if (!r) return [];
    const k = Math.min(n, r.size);
    const out = new Array<number>(k);
    for (let i = 0; i < k; i++) out[i] = r.buf[(r.next - k + i + CLOSES_KEPT) % CLOSES_KEPT];
    return out;
  }

  symbols(timeframe: Timeframe): readonly string[] {
    return this.bySeries.get(timeframe) ?? [];
  }
}
