/**
 * Bars to a higher timeframe, in batch (`resample`) and live (`BarAggregator`).
 * Both run the same aggregation code, so live bars equal the backtest's bars.
 */
import type { Bar, BarSeries } from './bar.ts';
import { emptySeries } from './bar.ts';
import { barOpenTime, nextBarOpenTime, TIMEFRAME_MS } from './timeframe.ts';
import type { Timeframe } from './timeframe.ts';

/** Why `from` bars cannot be resampled to `to`, or null when they can. */
export function resampleProblem(from: Timeframe, to: Timeframe): string | null {
  if (TIMEFRAME_MS[to] <= TIMEFRAME_MS[from]) return `cannot resample ${from} to ${to}: ${to} is not a higher timeframe than ${from}`;
  // Days nest in calendar months; weeks straddle month ends, so a W1 bar would belong to two months.
  if (to === 'MN1') return from === 'W1' ? 'cannot resample W1 to MN1: weeks straddle month boundaries, so MN1 is not a whole number of W1 bars' : null;
  if (TIMEFRAME_MS[to] % TIMEFRAME_MS[from] !== 0) return `cannot resample ${from} to ${to}: ${to} is not a whole multiple of ${from}`;
  return null;
}

/** What one input did to the aggregator. */
export interface AggregatorUpdate {
  /** The bar this input closed (its period is over because a later time arrived), or null. */
  closed: Bar | null;
  /** The bar now forming, including this input (null only when a late input arrives with no bar forming). */
  forming: Bar | null;
  /** True when this input opened `forming` (a streaming indicator then calls `update`, else `replace`). */
  opened: boolean;
}

/**
 * Builds higher-timeframe bars from a live stream of lower-timeframe bars or
 * trades. A bar is only known to be closed when an input from a later period
 * arrives (or the caller's clock passes its end: `closeIfDue`), since the feed
 * may simply be quiet.
 */
export class BarAggregator {
  /** Inputs older than the forming bar: dropped (a closed bar is never rewritten) and counted. */
  late = 0;
  /** The last closed bar, rewritten in place by `add`; copy it before the next input. */
  readonly closedBar: Bar = { time: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
  private hasForming = false;
  private justOpened = false;
  private openTime = 0;
  private closeTime = 0;
  /** End of the last closed bar: inputs before it are late. */
  private closedUntil = -Infinity;
  private o = 0;
  private h = 0;
  private l = 0;
  private c = 0;
  private v = 0;

  constructor(readonly timeframe: Timeframe) {}

  /**
   * The allocation-free core for batch loops: folds one input in. Returns
   * true when it closed the forming bar, which `closedBar` then holds.
   */
  add(time: number, open: number, high: number, low: number, close: number, volume: number): boolean {
    this.justOpened = false;
    if (this.hasForming && time >= this.openTime && time < this.closeTime) {
      if (high > this.h) this.h = high;
      if (low < this.l) this.l = low;
      this.c = close;
      this.v += volume;
      return false;
    }
    // Before the forming bar, or inside a bar already closed (by the clock): that period is done.
    if (time < (this.hasForming ? this.openTime : this.closedUntil)) {
      this.late++;
      return false;
    }
    const closing = this.close();
    this.hasForming = true;
    this.justOpened = true;
    this.openTime = barOpenTime(time, this.timeframe);
    this.closeTime = nextBarOpenTime(this.openTime, this.timeframe);
    this.o = open;
    this.h = high;
    this.l = low;
    this.c = close;
    this.v = volume;
    return closing;
  }

  /** Ends the forming bar now (end of data); true when there was one, which `closedBar` then holds. */
  close(): boolean {
    if (!this.hasForming) return false;
    const b = this.closedBar;
    b.time = this.openTime;
    b.open = this.o;
    b.high = this.h;
    b.low = this.l;
    b.close = this.c;
    b.volume = this.v;
    this.hasForming = false;
    this.closedUntil = this.closeTime;
    return true;
  }

  /** Feeds one lower-timeframe bar (its `time` is its open time). */
  pushBar(bar: Bar): AggregatorUpdate {
    return this.update(this.add(bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume));
  }

  /** Feeds one trade or tick: a price and the size traded (0 when the feed has none). */
  pushTrade(time: number, price: number, size = 0): AggregatorUpdate {
    return this.update(this.add(time, price, price, price, price, size));
  }

  /** The bar forming now, or null before the first input or after a close. */
  forming(): Bar | null {
    if (!this.hasForming) return null;
    return { time: this.openTime, open: this.o, high: this.h, low: this.l, close: this.c, volume: this.v };
  }

  /** Closes the forming bar when the clock `now` (ms UTC) has reached its end: a quiet feed still closes bars. */
  closeIfDue(now: number): Bar | null {
    return this.hasForming && now >= this.closeTime && this.close() ? { ...this.closedBar } : null;
  }

  /** Closes the forming bar whatever the time (end of a replay). */
  flush(): Bar | null {
    return this.close() ? { ...this.closedBar } : null;
  }

  private update(closed: boolean): AggregatorUpdate {
    return { closed: closed ? { ...this.closedBar } : null, forming: this.forming(), opened: this.justOpened };
  }
}

/**
 * Bars resampled to a higher timeframe on `barOpenTime` boundaries: open =
 * first open, high = max, low = min, close = last close, volume = sum. Weeks
 * open Monday 00:00 UTC, months on the 1st. Periods with no input bar are
 * absent (gaps stay gaps). Throws when `to` is not a higher whole multiple.
 */
export function resample(series: BarSeries, to: Timeframe): BarSeries {
  const problem = resampleProblem(series.timeframe, to);
  if (problem) throw new Error(problem);
  const { time, open, high, low, close, volume } = series;
  const out = emptySeries(series.symbol, to, time.length);
  const agg = new BarAggregator(to);
  const b = agg.closedBar;
  let k = 0;
  const emit = () => {
    out.time[k] = b.time;
    out.open[k] = b.open;
    out.high[k] = b.high;
    out.low[k] = b.low;
    out.close[k] = b.close;
    out.volume[k] = b.volume;
    k++;
  };
  for (let i = 0; i < time.length; i++) {
    // The aggregator drops late inputs (right for a live feed); a batch with them is a broken series.
    if (i > 0 && !(time[i] > time[i - 1])) throw new Error(`cannot resample ${series.symbol}: bar ${i} is not later than bar ${i - 1}`);
    if (agg.add(time[i], open[i], high[i], low[i], close[i], volume[i])) emit();
  }
  if (agg.close()) emit();
  return {
    symbol: series.symbol,
    timeframe: to,
    time: out.time.slice(0, k),
    open: out.open.slice(0, k),
    high: out.high.slice(0, k),
    low: out.low.slice(0, k),
    close: out.close.slice(0, k),
    volume: out.volume.slice(0, k),
  };
}
