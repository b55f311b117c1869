import type { Bar } from '../../market/bar.ts';
import { barOpenTime, nextBarOpenTime } from '../../market/timeframe.ts';
import type { IbkrError } from './codes.ts';
import type { IbkrSession } from './connection.ts';
import type { IbContract } from './contract.ts';
import { regularHoursOnly, whatToShow } from './feed-bars.ts';
import type { Sub } from './feed-status.ts';
import { REAL_TIME_BAR_SECONDS } from './requests.ts';
import type { IbBar } from './responses.ts';

const FIVE_S_MS = REAL_TIME_BAR_SECONDS * 1000;

/** The 5-second bars seen so far in one subscription bar (keyed by its open time). */
export interface Seen {
  period: number;
  high: number;
  low: number;
  close: number;
}

interface State {
  reqId: number;
  session: IbkrSession;
  seen: Seen | null;
}

/**
 * The bar a real-time close delivers: IB's keepUpToDate forming bar (its open
 * and volume: one source, one unit) with the 5-second bars' high, low and
 * close merged in (the last 5-second bar's close is the bar's last price, the
 * forming bar may be a few seconds stale). The same inputs give the same bar.
 */
export function completeBar(forming: Bar, seen: Seen): Bar {
  return { ...forming, high: Math.max(forming.high, seen.high), low: Math.min(forming.low, seen.low), close: seen.close };
}

/** Whether a subscription gets real-time bars: intraday, on live data (IB serves no delayed real-time bars). */
export function wantsRealTime(s: Sub): boolean {
  return s.tf !== 'D1' && s.sentType === 'live' && s.delayed === null;
}

/**
 * Real-time 5-second bars beside the keepUpToDate stream (live-feed.ts), so
 * a bar closes the moment its last 5 seconds are in rather than at the next
 * update or the grace timer: the 5-second bar that ends exactly at the
 * subscription bar's end closes the forming bar of that period (only that
 * one: a bar with no forming bar from IB is left to keepUpToDate and the
 * clock). Whichever closes a bar first delivers it; the feed's deliver()
 * ignores the other. When IB refuses them (354, 10089, 10168: no
 * subscription), the subscription goes on with keepUpToDate alone and its
 * status says why; they are asked again at the next ready or 1101.
 */
export class RealTimeBars {
  private readonly state = new Map<Sub, State>();
  /** Asked, bars closed by them, refusals, 5-second bars refused as unreadable. */
  readonly stats = { asked: 0, closed: 0, refused: 0, unreadable: 0 };

  constructor(
    private readonly o: {
      /** Delivers a completed bar; false when it was already delivered (the other source won). */
      close: (s: Sub, bar: Bar) => boolean;
      /** The sub's bars may be closed now (its backfill is delivered). */
      open: (s: Sub) => boolean;
      statusChanged: () => void;
      log?: (level: 'info' | 'warn' | 'error', message: string) => void;
    },
  ) {}

  /** Asks 5-second bars for a sub whose keepUpToDate stream IB answered, when it is intraday on live data. */
  start(s: Sub, session: IbkrSession, c: IbContract): void {
    this.stop(s);
    if (!wantsRealTime(s) || session.state !== 'ready') return;
    const st: State = { reqId: -1, session, seen: null };
    st.reqId = session.realTimeBars({ contract: c, whatToShow: whatToShow(c), useRTH: regularHoursOnly(c) }, (b) => this.bar(s, st, b), (e) => this.refused(s, st, e));
    this.state.set(s, st);
    this.stats.asked++;
  }

  /** Cancels the sub's 5-second bars (on its session, if still ready) and forgets what they showed. */
  stop(s: Sub): void {
    const st = this.state.get(s);
    if (!st) return;
    this.state.delete(s);
    if (st.session.state === 'ready') st.session.cancelRealTimeBars(st.reqId);
  }

  private refused(s: Sub, st: State, e: IbkrError): void {
    if (this.state.get(s) !== st) return;
    this.state.delete(s);
    this.stats.refused++;
    const why = `IB ${e.code}: ${e.ibText}`;
    if (s.noRealTime === why) return;
    s.noRealTime = why;
    this.o.log?.('warn', `IBKR feed: ${s.symbol} ${s.tf}: IB refused real-time bars (${why}); its bars close from keepUpToDate updates alone`);
    this.o.statusChanged();
  }

  private bar(s: Sub, st: State, b: IbBar): void {
    if (this.state.get(s) !== st) return;
    const t = Number(b.time) * 1000;
    if (!Number.isSafeInteger(t) || ![b.high, b.low, b.close].every(Number.isFinite)) {
      this.stats.unreadable++;
      return this.o.log?.('error', `IBKR feed: ${s.symbol} ${s.tf}: refused a 5-second bar IB sent (time "${b.time}", high ${b.high}, low ${b.low}, close ${b.close})`);
    }
    if (s.noRealTime) {
      s.noRealTime = null;
      this.o.statusChanged();
    }
    const period = barOpenTime(t, s.tf);
    const seen = st.seen?.period === period ? st.seen : (st.seen = { period, high: b.high, low: b.low, close: b.close });
    seen.high = Math.max(seen.high, b.high);
    seen.low = Math.min(seen.low, b.low);
    seen.close = b.close;
    const f = s.forming;
    if (!f || f.time !== period || t + FIVE_S_MS !== nextBarOpenTime(f.time, s.tf) || !this.o.open(s)) return;
    st.seen = null;
    if (this.o.close(s, completeBar(f, seen))) this.stats.closed++;
  }
}
