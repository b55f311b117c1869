import type { Bar, BarSeries } from './bar.ts';
import { barOpenTime, nextBarOpenTime, type Timeframe } from './timeframe.ts';
import type { SimulatedClock, Timers } from '../trading/clock.ts';

/** Called once per CLOSED bar, in close-time order across symbols. */
export type BarHandler = (symbol: string, timeframe: Timeframe, bar: Bar) => void;

/** Called after the last bar closing at `closeTime`; a returned promise is awaited before time moves on (model inference). */
export type StepEndHandler = (closeTime: number) => void | Promise<void> | undefined;

/**
 * A source of closed bars: a replay of stored bars here; cTrader and IBKR live
 * bars implement the same shape. `run` resolves when the feed ends or is stopped.
 */
export interface BarFeed {
  run(onBar: BarHandler, onStepEnd?: StepEndHandler): Promise<void>;
  stop(): void;
}

export interface ReplayOptions {
  /** How many times faster than real time; Infinity = a backtest (no waiting at all). */
  speed: number;
  clock: SimulatedClock;
  /** Needed when speed is finite, or to yield during a full-speed run. */
  timers?: Timers;
  /** At finite speed, the longest real wait between two bars (weekends would otherwise stall a demo), ms. */
  maxWaitMs?: number;
  /** At full speed, hand control back to the host every this many bars (progress, cancel); 0 = never. */
  yieldEvery?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * A paced replay delivers bars closing at or before this time without
   * waiting: the catch-up of a host that rebuilds a workspace before it goes on
   * in real time. Yields every `yieldEvery` bars meanwhile.
   */
  catchUpThrough?: number;
}

/**
 * Replays stored series as if live: each bar is delivered at its CLOSE time on
 * the simulated clock, series merged by close time. At full speed this is the
 * backtest loop.
 */
export class ReplayFeed implements BarFeed {
  private stopped = false;

  constructor(
    private readonly series: readonly BarSeries[],
    private readonly opts: ReplayOptions,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  async run(onBar: BarHandler, onStepEnd?: StepEndHandler): Promise<void> {
    const { series, opts } = this;
    const total = series.reduce((n, s) => n + s.time.length, 0);
    const cursor = new Array<number>(series.length).fill(0);
    const paced = Number.isFinite(opts.speed);
    if (paced && !opts.timers) throw new Error('a paced replay needs timers');
    if (!(opts.speed > 0)) throw new Error(`replay speed must be positive (got ${opts.speed})`);
    let done = 0;
    let lastClose = -Infinity;
    while (!this.stopped) {
      // The next bar to close across all series (ties: series order).
      let k = -1;
      let close = Infinity;
      for (let j = 0; j < series.length; j++) {
        const i = cursor[j];
        if (i >= series[j].time.length) continue;
        const c = nextBarOpenTime(series[j].time[i], series[j].timeframe);
        if (c < close) {
          close = c;
          k = j;
        }
      }
      if (k < 0) break;
      if (onStepEnd && lastClose > -Infinity && close > lastClose) {
        const wait = onStepEnd(lastClose);
        if (wait) await wait;
        if (this.stopped) break;
      }
      const catchingUp = close <= (opts.catchUpThrough ?? -Infinity);
      if (paced && !catchingUp && lastClose > -Infinity && close > lastClose) {
        await opts.timers!.sleep(Math.min((close - lastClose) / opts.speed, opts.maxWaitMs ?? Infinity));
        if (this.stopped) break;
      }
      const s = series[k];
      const i = cursor[k]++;
      if (close > opts.clock.now()) opts.clock.advanceTo(close);
      lastClose = close;
      onBar(s.symbol, s.timeframe, { time: s.time[i], open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i] });
      done++;
      if ((!paced || catchingUp) && opts.yieldEvery && done % opts.yieldEvery === 0) {
        opts.onProgress?.(done, total);
        if (opts.timers) await opts.timers.sleep(0);
      }
    }
    if (onStepEnd && lastClose > -Infinity && !this.stopped) {
      const wait = onStepEnd(lastClose);
      if (wait) await wait;
    }
    opts.onProgress?.(done, total);
  }
}

/**
 * The step end of a live feed (cTrader, IBKR): a step ends when every
 * subscription with a bar closing at that instant has delivered it; one that
 * is failing does not hold up the others. Each step ends once, in order, the
 * next waiting for the last's promise (model inference).
 */
export class LiveStepEnds {
  private last = -Infinity;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly log?: (level: 'error', message: string) => void) {}

  /** After a bar closing at `close` was delivered. */
  delivered<S extends { readonly tf: Timeframe; readonly lastDelivered: number }>(close: number, subs: readonly S[], failing: (s: S) => boolean, onStepEnd: StepEndHandler | undefined): void {
    if (!onStepEnd || close <= this.last) return;
    if (!subs.every((x) => failing(x) || barOpenTime(close, x.tf) !== close || nextBarOpenTime(x.lastDelivered, x.tf) >= close)) return;
    this.last = close;
    this.chain = this.chain.then(() => onStepEnd(close)).catch((e) => this.log?.('error', `step end failed: ${(e as Error).message}`));
  }
}
