import type { Bar } from '../../market/bar.ts';
import { LiveStepEnds, type BarFeed, type BarHandler, type StepEndHandler } from '../../market/feed.ts';
import { barOpenTime, nextBarOpenTime, TIMEFRAME_MS, type Timeframe } from '../../market/timeframe.ts';
import type { Clock } from '../../trading/clock.ts';
import type { Scheduler } from '../ctrader/scheduler.ts';
import { IbkrError } from './codes.ts';
import type { IbkrSession, Notice } from './connection.ts';
import { barCompleteAt, barFromIb, IB_BAR_SIZES, regularHoursOnly, streamRequest } from './feed-bars.ts';
import { statusLine, type Sub } from './feed-status.ts';
import { NoBarWatch } from './feed-watch.ts';
import type { IbkrInstruments } from './instruments.ts';
import { IB_HISTORY_LIMITS } from './pacing.ts';
import { RealTimeBars } from './realtime-bars.ts';
import type { MarketDataType } from './requests.ts';
import type { IbBar } from './responses.ts';
import type { TradingHours } from './trading-hours.ts';

/** What the feed needs of the reconnecting client (client.ts's IbkrClient has it). */
export interface IbkrFeedClient {
  readonly session: IbkrSession | null;
  onReady(h: (ctx: { session: IbkrSession; again: boolean; downForMs: number | null }) => void | Promise<void>): void;
  onDown(h: (reason: string) => void): void;
  onNotice(h: (n: Notice) => void): void;
}

export interface IbkrLiveFeedOptions {
  client: IbkrFeedClient;
  instruments: IbkrInstruments;
  subscriptions: readonly { symbol: string; timeframe: Timeframe }[];
  clock: Clock;
  scheduler: Scheduler;
  /** 1 live, 3 delayed, 4 delayed-frozen: what the trader picked; on 354 (no subscription) the feed falls back to 3 and says so. */
  marketDataType: 1 | 3 | 4;
  /** Alert when a subscription has had no bar for this long during its trading session (default: 3 bar lengths; D1: 26 h of session days). */
  noBarAfterMs?: number;
  /** A forming bar with no later update is closed this long after it is complete (default 10 s; D1 60 s, for the closing print). */
  graceMs?: number;
  /** Closed bars of history delivered at the first subscription (the agents' warm-up); 0 = only new bars. */
  historyBars?: number;
  /** Something the trader must hear (no bar for too long, delayed data): the text, and the symbol it is about. */
  onAlert?: (text: string, symbol?: string) => void;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** The longest gap filled from history (as the cTrader feed): a relay off for weeks does not page through months. */
export const MAX_GAP_BARS = 5000;
/** A request IB refused for a reason that may pass (pacing, no data yet) is asked again after this. */
export const RETRY_AFTER_MS = 60_000;
const TYPE_NAME: Record<1 | 3 | 4, MarketDataType> = { 1: 'live', 3: 'delayed', 4: 'delayed-frozen' };

/**
 * Live closed bars from IB in the BarFeed shape: historical bars with
 * keepUpToDate per subscription. After every ready (after the broker
 * reconciled) and after 1101 it asks again, cancelling the old streams, and
 * delivers the closed bars since the last delivered one in close-time order
 * across symbols; then IB's updates, which repeat the forming bar: it is
 * closed when an update for a later bar arrives, or by the clock when it is
 * complete plus a grace period. Intraday on live data, IB's real-time 5-second
 * bars ride beside (realtime-bars.ts): the one ending at a bar's end closes it
 * at once. Every bar once, in order; a bar IB sent with a
 * value that is not a number is refused in the log, never delivered.
 */
export class IbkrLiveFeed implements BarFeed {
  private readonly subs: Sub[];
  private readonly watch: NoBarWatch;
  private session: IbkrSession | null = null;
  private downReason: string | null = null;
  /** 1100 until 1101/1102: TWS is up but IB's servers are not. */
  private ibLost = false;
  /** A 354 made the feed ask for delayed data on every session since. */
  private fellBack = false;
  private streams = 0;
  private onBar: BarHandler | null = null;
  private onStepEnd: StepEndHandler | undefined;
  private stopResolve: (() => void) | null = null;
  private readonly stepEnds = new LiveStepEnds((level, message) => this.o.log?.(level, message));
  private statusText = '';
  private readonly statusListeners = new Set<(text: string) => void>();
  /** Bars delivered from history, by a later update, and by the clock (tests, logs). */
  readonly stats = { backfilled: 0, live: 0, closedByTimer: 0, refused: 0 };
  /** Real-time 5-second bars beside the streams (intraday, live data): they close a bar the moment its last 5 s are in. */
  readonly realTime: RealTimeBars;

  constructor(private readonly o: IbkrLiveFeedOptions) {
    const unserved = o.subscriptions.filter((s) => !IB_BAR_SIZES[s.timeframe]);
    if (unserved.length) throw new Error(`the IB feed serves M1, M5, M15, M30, H1, H4 and D1 bars, not ${unserved.map((s) => `${s.symbol} ${s.timeframe}`).join(', ')}`);
    this.subs = o.subscriptions.map((s) => ({ symbol: s.symbol.trim().toUpperCase(), tf: s.timeframe, lastDelivered: -Infinity, lastClose: undefined, forming: null, closeTimer: null, retryTimer: null, stream: 0, reqId: null, verified: false, buffer: null, problem: null, sentType: TYPE_NAME[o.marketDataType], delayed: null, retried354: false, noRealTime: null }));
    this.realTime = new RealTimeBars({
      close: (s, bar) => {
        if (!this.deliver(s, bar)) return false;
        this.statusChanged();
        return true;
      },
      open: (s) => s.buffer === null && s.verified,
      statusChanged: () => this.statusChanged(),
      log: o.log,
    });
    this.watch = new NoBarWatch({ clock: o.clock, scheduler: o.scheduler, noBarAfterMs: o.noBarAfterMs, hours: (s) => this.hoursOf(s), connected: () => this.session !== null, alert: (t, symbol) => this.alert(t, symbol) });
    // Registered here, after the broker's (the market wiring builds the broker first): it reconciles before bars flow.
    o.client.onReady(({ session }) => {
      this.session = session;
      this.downReason = null;
      this.ibLost = false;
      if (this.onBar) this.subscribeAll(session);
      this.statusChanged();
    });
    o.client.onDown((reason) => {
      this.session = null;
      this.downReason = reason;
      // The streams died with the connection; history fills the forming bars in after the reconnect.
      for (const s of this.subs) this.endStream(s);
      this.statusChanged();
    });
    o.client.onNotice((n) => this.notice(n));
    this.statusText = this.status();
  }

  /** The ready session the feed reads, or null: other history requests on it (the screener's) share its pacing. */
  get readySession(): IbkrSession | null {
    return this.session?.state === 'ready' ? this.session : null;
  }

  /** Per subscription what IB has shown, e.g. "GOOG D1 delayed, last bar 2024-01-02; EURUSD M5 live, last bar 14:05 UTC", or "waiting for IB". */
  status(): string {
    if (!this.onBar) return 'live bars not started';
    if (!this.session || this.session.state !== 'ready') return `waiting for IB${this.downReason ? ` (${this.downReason})` : ''}`;
    const lines = [...new Set(this.subs.map((s) => statusLine(s, this.o.clock.now())))].join('; ');
    return this.ibLost ? `IB lost its connection to its servers: no bars until it is back; ${lines}` : lines;
  }

  onStatus(fn: (text: string) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  async run(onBar: BarHandler, onStepEnd?: StepEndHandler): Promise<void> {
    this.onBar = onBar;
    this.onStepEnd = onStepEnd;
    const done = new Promise<void>((r) => (this.stopResolve = r));
    for (const s of this.subs) this.watch.start(s);
    const session = this.session ?? this.o.client.session;
    if (session && session.state === 'ready') {
      this.session = session;
      this.subscribeAll(session);
    }
    this.statusChanged();
    await done;
  }

  stop(): void {
    this.onBar = null;
    for (const s of this.subs) {
      if (s.reqId !== null && this.session?.state === 'ready') this.session.cancelHistory(s.reqId);
      this.endStream(s);
      this.watch.stop(s);
    }
    this.stopResolve?.();
  }

  /** Bars up to `barTime` (open time) are already held elsewhere (a store): the first backfill starts after it. */
  resumeAfter(symbol: string, tf: Timeframe, barTime: number): void {
    for (const s of this.subs) if (s.symbol === symbol.toUpperCase() && s.tf === tf && barTime > s.lastDelivered) s.lastDelivered = barTime;
  }

  /** The close of the symbol's latest delivered bar (any timeframe): the broker's reference price. */
  lastClose(symbol: string): number | undefined {
    let best: Sub | null = null;
    for (const s of this.subs) if (s.symbol === symbol.toUpperCase() && s.lastClose !== undefined && (!best || nextBarOpenTime(s.lastDelivered, s.tf) > nextBarOpenTime(best.lastDelivered, best.tf))) best = s;
    return best?.lastClose;
  }

  private hoursOf(s: { symbol: string }): TradingHours | null {
    const c = this.o.instruments.details(s.symbol)?.contract;
    return c ? this.o.instruments.hours(s.symbol, regularHoursOnly(c) ? 'liquid' : 'trading') : null;
  }

  /** A new session or 1101: the market data type, then every stream asked again from its last delivered bar. */
  private subscribeAll(session: IbkrSession): void {
    session.setMarketDataType(this.fellBack ? 'delayed' : TYPE_NAME[this.o.marketDataType]);
    for (const s of this.subs) {
      if (s.reqId !== null) session.cancelHistory(s.reqId);
      this.endStream(s);
    }
    void this.subscribe(this.subs, session);
  }

  /** Asks IB for each sub's bars since its last one with keepUpToDate; delivers the closed ones merged by close time, then the updates held meanwhile. */
  private async subscribe(subs: Sub[], session: IbkrSession): Promise<void> {
    const asked = subs.map((s) => {
      this.realTime.stop(s);
      s.retryTimer?.();
      s.retryTimer = null;
      s.stream = ++this.streams;
      s.buffer = [];
      s.problem = null;
      return { s, stream: s.stream };
    });
    this.statusChanged();
    const fills = await Promise.all(asked.map(({ s, stream }) => this.request(s, stream, session).then((bars) => bars.map((bar) => ({ s, bar })))));
    const live = asked.filter(({ s, stream }) => s.stream === stream);
    const all = fills.flat().filter(({ s }) => live.some((a) => a.s === s));
    all.sort((a, b) => nextBarOpenTime(a.bar.time, a.s.tf) - nextBarOpenTime(b.bar.time, b.s.tf));
    for (const { s, bar } of all) if (this.deliver(s, bar)) this.stats.backfilled++;
    if (all.length) this.o.log?.('info', `IBKR feed: ${all.length} closed bars from history (${[...new Set(all.map(({ s }) => `${s.symbol} ${s.tf}`))].join(', ')})`);
    for (const { s } of live) {
      const held = s.buffer ?? [];
      s.buffer = null;
      for (const bar of held) this.update(s, bar);
      this.arm(s);
      // Real-time bars once IB answered the stream (never during the backfill): intraday on live data only.
      const c = this.o.instruments.details(s.symbol)?.contract;
      if (s.verified && c && this.session === session) this.realTime.start(s, session, c);
    }
    this.statusChanged();
  }

  /** One sub's history request; its closed bars not yet delivered (the forming one is kept), or none when it failed. */
  private async request(s: Sub, stream: number, session: IbkrSession): Promise<Bar[]> {
    const details = this.o.instruments.details(s.symbol);
    if (!details) {
      const why = this.o.instruments.problem(s.symbol) ?? 'not resolved at IB';
      s.problem = why.startsWith(`${s.symbol}: `) ? why.slice(s.symbol.length + 2) : why;
      return [];
    }
    const now = this.o.clock.now();
    const ms = TIMEFRAME_MS[s.tf];
    const since = s.lastDelivered > -Infinity ? nextBarOpenTime(s.lastDelivered, s.tf) : barOpenTime(now, s.tf) - (this.o.historyBars ?? 0) * ms;
    const from = Math.max(since, barOpenTime(now, s.tf) - Math.max(MAX_GAP_BARS, this.o.historyBars ?? 0) * ms);
    if (from > since) this.o.log?.('warn', `IBKR feed: ${s.symbol} ${s.tf}: the gap since the last bar is longer than ${MAX_GAP_BARS} bars; only the last ${MAX_GAP_BARS} are fetched`);
    s.sentType = this.fellBack ? 'delayed' : TYPE_NAME[this.o.marketDataType];
    try {
      const r = await session.history(streamRequest(details.contract, s.tf, from, now), (b) => this.onUpdate(s, stream, b));
      if (s.stream !== stream) {
        if (session.state === 'ready') session.cancelHistory(r.reqId);
        return [];
      }
      s.reqId = r.reqId;
      s.verified = true;
      const hours = this.hoursOf(s);
      const closed: Bar[] = [];
      for (const b of r.bars) {
        const bar = this.read(s, b);
        if (!bar || bar.time < from || bar.time <= s.lastDelivered) continue;
        if (barCompleteAt(s.tf, bar.time, hours) <= this.o.clock.now()) closed.push(bar);
        else if (!s.forming || bar.time >= s.forming.time) s.forming = bar;
      }
      return closed.sort((a, b) => a.time - b.time);
    } catch (e) {
      if (s.stream === stream) this.failed(s, session, e as Error);
      return [];
    }
  }

  /** A refused request: 354 falls back to delayed data and asks once more; what may pass is asked again later; a dropped connection waits for the next ready. */
  private failed(s: Sub, session: IbkrSession, e: Error): void {
    s.buffer = null;
    const code = e instanceof IbkrError ? e.code : null;
    if (code === 354 && !s.retried354) {
      s.retried354 = true;
      s.delayed = `no live subscription for ${s.symbol}`;
      this.fellBack = true;
      session.setMarketDataType('delayed');
      this.alert(`IBKR feed: ${s.symbol} ${s.tf} has no live market data subscription at IB (${e.message}); it now trades on delayed data`, s.symbol);
      // IB refuses an identical request within 15 s: the retry waits that long.
      return this.retry(s, session, IB_HISTORY_LIMITS.identicalMs);
    }
    s.problem = e.message;
    this.o.log?.('warn', `IBKR feed: ${s.symbol} ${s.tf}: ${e.message}`);
    if (code === 502 || code === 504 || code === 354) return;
    this.retry(s, session, code === null ? IB_HISTORY_LIMITS.identicalMs : RETRY_AFTER_MS);
  }

  private retry(s: Sub, session: IbkrSession, ms: number): void {
    const stream = s.stream;
    s.retryTimer?.();
    s.retryTimer = this.o.scheduler.after(ms, () => {
      s.retryTimer = null;
      if (s.stream === stream && this.onBar && this.session === session && session.state === 'ready') void this.subscribe([s], session);
    });
  }

  private notice(n: Notice): void {
    if (n.code === 1100 || n.code === 1102) this.ibLost = n.code === 1100;
    else if (n.code === 1101) {
      this.ibLost = false;
      this.o.log?.('info', 'IBKR feed: IB restored its connection but lost the market data (1101): asking for every stream again');
      if (this.session && this.onBar) this.subscribeAll(this.session);
    } else if (n.kind === 'request-failed' && n.reqId >= 0) {
      // A stream that was delivering ended (162, 366...): named in the status, asked again later.
      const s = this.subs.find((x) => x.reqId === n.reqId);
      if (!s || !this.session) return;
      this.endStream(s);
      s.problem = n.text;
      this.retry(s, this.session, RETRY_AFTER_MS);
    } else return;
    this.statusChanged();
  }

  /** Forgets the current stream (its updates are dropped from now on) and the forming bar. */
  private endStream(s: Sub): void {
    this.realTime.stop(s);
    s.stream = ++this.streams;
    s.reqId = null;
    s.verified = false;
    s.buffer = null;
    s.forming = null;
    s.closeTimer?.();
    s.closeTimer = null;
    s.retryTimer?.();
    s.retryTimer = null;
  }

  private read(s: Sub, b: IbBar): Bar | null {
    const bar = barFromIb(b, s.tf, this.hoursOf(s)?.timeZone ?? null);
    if ('problem' in bar) {
      this.stats.refused++;
      this.o.log?.('error', `IBKR feed: ${s.symbol} ${s.tf}: refused ${bar.problem}`);
      return null;
    }
    return bar;
  }

  private onUpdate(s: Sub, stream: number, b: IbBar): void {
    if (s.stream !== stream || !this.onBar) return;
    const bar = this.read(s, b);
    if (!bar) return;
    if (s.buffer) s.buffer.push(bar);
    else this.update(s, bar);
  }

  /** IB repeats the forming bar; one with a later time closes it. */
  private update(s: Sub, bar: Bar): void {
    if (bar.time <= s.lastDelivered) return;
    let delivered = false;
    if (s.forming && bar.time > s.forming.time && this.deliver(s, s.forming)) {
      this.stats.live++;
      delivered = true;
    }
    if (!s.forming || bar.time >= s.forming.time) s.forming = bar;
    this.arm(s);
    // The status names the last bar: a host showing it must hear of each live one, not only of those the clock closes.
    if (delivered) this.statusChanged();
  }

  /** Closes the forming bar when it is complete plus grace, unless a later bar closes it first. */
  private arm(s: Sub): void {
    s.closeTimer?.();
    s.closeTimer = null;
    const f = s.forming;
    if (!f) return;
    const due = barCompleteAt(s.tf, f.time, this.hoursOf(s)) + (this.o.graceMs ?? (s.tf === 'D1' ? 60_000 : 10_000));
    s.closeTimer = this.o.scheduler.after(due - this.o.clock.now(), () => {
      s.closeTimer = null;
      if (s.forming !== f || !this.onBar) return;
      if (this.o.clock.now() < due) return this.arm(s);
      if (this.deliver(s, f)) this.stats.closedByTimer++;
      this.statusChanged();
    });
  }

  private deliver(s: Sub, bar: Bar): boolean {
    if (bar.time <= s.lastDelivered || !this.onBar) return false;
    s.lastDelivered = bar.time;
    s.lastClose = bar.close;
    if (s.forming && s.forming.time <= bar.time) s.forming = null;
    this.watch.bar(s);
    this.onBar(s.symbol, s.tf, bar);
    const close = nextBarOpenTime(bar.time, s.tf);
    this.stepEnds.delivered(close, this.subs, (x) => x.problem !== null, this.onStepEnd);
    return true;
  }

  private alert(text: string, symbol?: string): void {
    if (this.o.onAlert) this.o.onAlert(text, symbol);
    else this.o.log?.('error', text);
  }

  private statusChanged(): void {
    const text = this.status();
    if (text === this.statusText) return;
    this.statusText = text;
    for (const fn of this.statusListeners) fn(text);
  }
}
