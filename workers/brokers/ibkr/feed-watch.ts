import { TIMEFRAME_MS, type Timeframe } from '../../market/timeframe.ts';
import type { Clock } from '../../trading/clock.ts';
import type { Scheduler } from '../ctrader/scheduler.ts';
import { barLabel, durationWords } from './feed-bars.ts';
import { dayTimeBetween, isClosedDay, localDate, nextSessionStart, openAt, openMsBetween, type TradingHours } from './trading-hours.ts';

/** What the watch reads of a subscription. */
export interface Watched {
  symbol: string;
  tf: Timeframe;
  lastDelivered: number;
}

interface State {
  /** Since when no bar came (the last delivery, or the start). */
  since: number;
  timer: (() => void) | null;
  alerted: boolean;
}

const HOUR_MS = 3_600_000;

/**
 * "No bar for too long" per subscription, counted in trading time only: an
 * intraday subscription counts the time its session was open (IB's hours), a
 * daily one the time on days that are not closed (a weekend or a holiday
 * costs nothing). It alerts once per outage, only while the session is open
 * and TWS is connected (a dropped connection is the client's alert); the next
 * bar starts a new count. Where IB's hours say nothing, time counts as open.
 */
export class NoBarWatch {
  private readonly state = new Map<Watched, State>();

  constructor(
    private readonly o: {
      clock: Clock;
      scheduler: Scheduler;
      /** One limit for every subscription; default 3 bar lengths, D1 26 h. */
      noBarAfterMs?: number;
      hours: (w: Watched) => TradingHours | null;
      connected: () => boolean;
      alert: (text: string, symbol?: string) => void;
    },
  ) {}

  limit(tf: Timeframe): number {
    return this.o.noBarAfterMs ?? (tf === 'D1' ? 26 * HOUR_MS : 3 * TIMEFRAME_MS[tf]);
  }

  /** Starts counting (once: a restart of the feed keeps the count). */
  start(w: Watched): void {
    if (this.state.has(w)) return this.arm(w, 0);
    this.state.set(w, { since: this.o.clock.now(), timer: null, alerted: false });
    this.arm(w, this.limit(w.tf));
  }

  stop(w: Watched): void {
    const s = this.state.get(w);
    s?.timer?.();
    if (s) s.timer = null;
  }

  /** A bar arrived: a new count, and a later outage may alert again. */
  bar(w: Watched): void {
    const s = this.state.get(w);
    if (!s) return;
    s.since = this.o.clock.now();
    s.alerted = false;
    this.arm(w, this.limit(w.tf));
  }

  private arm(w: Watched, ms: number): void {
    const s = this.state.get(w)!;
    s.timer?.();
    s.timer = this.o.scheduler.after(Math.max(1000, ms), () => {
      s.timer = null;
      this.check(w, s);
    });
  }

  private check(w: Watched, s: State): void {
    const now = this.o.clock.now();
    const h = this.o.hours(w);
    const limit = this.limit(w.tf);
    const quiet = !h ? now - s.since : w.tf === 'D1' ? dayTimeBetween(h, s.since, now) : openMsBetween(h, s.since, now);
    if (quiet < limit) return this.arm(w, limit - quiet);
    const open = !h ? true : w.tf === 'D1' ? !isClosedDay(h, localDate(now, h.timeZone)) : openAt(h, now) !== false;
    if (!open) return this.arm(w, h && w.tf !== 'D1' ? (nextSessionStart(h, now) ?? now + HOUR_MS) - now + 1000 : HOUR_MS);
    if (!this.o.connected()) return this.arm(w, 60_000);
    if (s.alerted) return;
    s.alerted = true;
    const last = w.lastDelivered > -Infinity ? ` (last bar ${barLabel(w.tf, w.lastDelivered, now)})` : '';
    this.o.alert(`IBKR feed: no ${w.symbol} ${w.tf} bar for ${durationWords(quiet)} of trading time${last}`, w.symbol);
  }
}
