import type { CTraderSymbol } from '../../../workers/brokers/ctrader/symbols.ts';
import type { Bar } from '../../../workers/market/bar.ts';
import { barOpenTime, type Timeframe } from '../../../workers/market/timeframe.ts';
import { PERIOD } from '../../../workers/brokers/ctrader/trendbars.ts';

/** A symbol as the server describes it (ProtoOASymbol, volumes in cents of a unit): the client's wire shape without its derived rules. */
export type FakeSymbol = Omit<CTraderSymbol, 'spec'>;

export const TF_OF_PERIOD = Object.fromEntries(Object.entries(PERIOD).map(([tf, p]) => [p, tf])) as Record<number, Timeframe>;

/** One symbol's prices: the last quote and bars per timeframe built from ticks, like a real server's bar history. */
export class FakeMarketSymbol {
  bid = NaN;
  ask = NaN;
  time = 0;
  readonly bars = new Map<Timeframe, Bar[]>();

  constructor(
    readonly sym: FakeSymbol,
    readonly timeframes: readonly Timeframe[],
  ) {
    for (const tf of timeframes) this.bars.set(tf, []);
  }

  /** A tick: updates (or opens) the forming bar of each timeframe. */
  tick(time: number, bid: number, ask: number): void {
    this.bid = bid;
    this.ask = ask;
    this.time = time;
    for (const tf of this.timeframes) {
      const list = this.bars.get(tf)!;
      const open = barOpenTime(time, tf);
      const last = list[list.length - 1];
      if (!last || open > last.time) list.push({ time: open, open: bid, high: bid, low: bid, close: bid, volume: 1 });
      else {
        last.high = Math.max(last.high, bid);
        last.low = Math.min(last.low, bid);
        last.close = bid;
        last.volume++;
      }
    }
  }

  /** History from a script: bars appended as if they had traded. */
  seed(tf: Timeframe, bars: readonly Bar[]): void {
    const list = this.bars.get(tf) ?? [];
    for (const b of bars) list.push({ ...b });
    list.sort((a, b) => a.time - b.time);
    this.bars.set(tf, list);
    const last = list[list.length - 1];
    if (last && !(this.time > last.time)) {
      this.bid = last.close;
      this.ask = last.close;
      this.time = last.time;
    }
  }

  forming(tf: Timeframe): Bar | undefined {
    const list = this.bars.get(tf);
    return list?.[list.length - 1];
  }
}
