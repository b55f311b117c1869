import type { Bar } from '../../market/bar.ts';
import { LiveStepEnds, type BarFeed, type BarHandler, type StepEndHandler } from '../../market/feed.ts';
import { barOpenTime, nextBarOpenTime, TIMEFRAME_MS, type Timeframe } from '../../market/timeframe.ts';
import type { Clock, Timers } from '../../trading/clock.ts';
import type { CTraderMessage } from './codec.ts';
import type { CTraderConnection } from './connection.ts';
import { feedLine, feedStatusText, type FeedVerdict } from './feed-status.ts';
import { schedulerFromTimers, type Scheduler } from './scheduler.ts';
import { subscriptionsOf, type MarketSubscriptions } from './subscriptions.ts';
import { PRICE_SCALE, type CTraderSymbol, type SymbolCatalog } from './symbols.ts';
import { decodeTrendbar, fetchTrendbars, PERIOD, type WireTrendbar } from './trendbars.ts';

/**
 * How long after a (re)connect every traded symbol has to show its spots
 * (cTrader sends the latest price right after subscribing, even with the
 * market closed); then, and every as long again while one is missing, the
 * missing subscriptions are asked for again and their gap backfilled.
 */
export const VERIFY_AFTER_MS = 30_000;
const HOLDER = 'feed';
/** The longest gap filled from history after a reconnect or restart (a relay off for weeks does not page through months). */
export const MAX_GAP_BARS = 5000;

export interface LiveSubscription {
  symbol: string;
  timeframe: Timeframe;
}

export interface CTraderLiveFeedOptions {
  connection: CTraderConnection;
  symbols: SymbolCatalog;
  subscriptions: readonly LiveSubscription[];
  clock: Clock;
  timers: Timers | Scheduler;
  /** A bar with no tick after its period ends is closed by the clock this long after the boundary (a quiet market). */
  graceMs?: number;
  /** Closed bars of history delivered when the feed starts (the agents' warm-up); 0 = only new bars. */
  historyBars?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** A traded symbol delivers no spots or bars after a (re)connect (once per symbol and connection). */
  onAlert?: (message: string) => void;
}

interface Sub {
  symbol: string;
  tf: Timeframe;
  period: number;
  sym: CTraderSymbol | null;
  /** The bar being formed (open time), from the last live trendbar. */
  forming: Bar | null;
  /** Open time of the last bar handed to the engine. */
  lastDelivered: number;
  cancelTimer: (() => void) | null;
  /** Set while its gap is filled from history; the reason when that failed. */
  backfilling: boolean;
  problem: string | null;
  /** Refused or silent after the check: the step end does not wait for it. */
  broken: boolean;
  alerted: boolean;
}

/**
 * Live closed bars from cTrader in the BarFeed shape. The forming bar arrives
 * inside ProtoOASpotEvent.trendbar; it is closed when a bar with a later open
 * time appears, or by the clock at the period boundary plus a grace period
 * when the market goes quiet. After every (re)connect it resubscribes and
 * backfills the gap from history before live bars flow again, so the engine
 * sees every bar once and in order.
 */
export class CTraderLiveFeed implements BarFeed {
  private readonly subs: Sub[];
  private readonly scheduler: Scheduler;
  private readonly quotes = new Map<number, { bid: number; ask: number; time: number }>();
  private onBar: BarHandler | null = null;
  private onStepEnd: StepEndHandler | undefined;
  private stopResolve: (() => void) | null = null;
  private buffering: CTraderMessage[] | null = null;
  private readonly stepEnds = new LiveStepEnds((level, message) => this.o.log?.(level, message));
  private hooked = false;
  private readonly registry: MarketSubscriptions;
  /** Subscribing and backfilling run one at a time (a resume, a retry of the missing). */
  private work: Promise<void> = Promise.resolve();
  private reconnected = false;
  private cancelVerify: (() => void) | null = null;
  private statusText = '';
  private readonly statusListeners = new Set<(text: string) => void>();
  /** Bars delivered by backfill and by live trendbars (tests, status). */
  readonly stats = { backfilled: 0, live: 0, closedByTimer: 0 };

  constructor(private readonly o: CTraderLiveFeedOptions) {
    this.scheduler = schedulerFromTimers(o.timers);
    this.registry = subscriptionsOf(o.connection);
    this.subs = o.subscriptions.map((s) => ({ symbol: s.symbol, tf: s.timeframe, period: PERIOD[s.timeframe], sym: null, forming: null, lastDelivered: -Infinity, cancelTimer: null, backfilling: false, problem: null, broken: false, alerted: false }));
    o.connection.on((m) => {
      if (m.name !== 'ProtoOASpotEvent' || !this.onBar) return;
      if (this.buffering) this.buffering.push(m);
      else this.spot(m);
    });
    this.registry.onChange(() => this.statusChanged());
    this.statusText = this.status();
  }

  /**
   * What the feed has verified per symbol since the (re)connect, e.g.
   * "EURUSD M5 live; GBPUSD: no spots since reconnect": never a feed it does not have.
   */
  status(): string {
    if (!this.onBar) return 'live bars not started';
    if (!this.o.connection.ready) return 'not connected to cTrader: no live bars until it reconnects';
    return feedStatusText(this.checks());
  }

  /** Called with the new text whenever the status changes. */
  onStatus(fn: (text: string) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  async run(onBar: BarHandler, onStepEnd?: StepEndHandler): Promise<void> {
    this.onBar = onBar;
    this.onStepEnd = onStepEnd;
    const done = new Promise<void>((r) => (this.stopResolve = r));
    if (!this.hooked) {
      this.hooked = true;
      this.o.connection.onReady((reconnect) => (this.onBar ? this.resume(reconnect) : undefined));
      this.o.connection.onDown(() => {
        this.buffering = null;
        this.cancelVerify?.();
        this.cancelVerify = null;
        // While away the forming bar goes stale: history fills it in after the reconnect, not the timer.
        for (const s of this.subs) {
          s.cancelTimer?.();
          s.cancelTimer = null;
          s.forming = null;
        }
      });
    }
    this.statusChanged();
    if (this.o.connection.ready) await this.resume(false);
    await done;
  }

  stop(): void {
    this.onBar = null;
    for (const s of this.subs) s.cancelTimer?.();
    this.cancelVerify?.();
    this.stopResolve?.();
  }

  /** Bars up to `barTime` (open time) are already held elsewhere (a store): the first backfill starts after it. */
  resumeAfter(symbol: string, tf: Timeframe, barTime: number): void {
    for (const s of this.subs) if (s.symbol === symbol && s.tf === tf && barTime > s.lastDelivered) s.lastDelivered = barTime;
  }

  /** The last bid and ask of a symbol (prices), when a spot has arrived. */
  quote(symbol: string): { bid: number; ask: number; time: number } | undefined {
    const s = this.subs.find((x) => x.symbol === symbol)?.sym ?? this.o.symbols.get(symbol);
    return s ? this.quotes.get(s.symbolId) : undefined;
  }

  /** Closed bars of `symbol` opening in [from, to), oldest first (paged through ProtoOAGetTrendbarsReq). */
  async history(symbol: string, tf: Timeframe, from: number, to: number): Promise<Bar[]> {
    const [sym] = await this.o.symbols.load([symbol]);
    return fetchTrendbars(this.o.connection, sym, tf, from, to);
  }

  /** After a (re)connect: subscribe what is missing, fill the gap from history, then let buffered live bars through; check every symbol. */
  private async resume(reconnect: boolean): Promise<void> {
    this.reconnected = reconnect;
    for (const s of this.subs) Object.assign(s, { backfilling: true, problem: null, broken: false, alerted: false });
    this.cancelVerify?.();
    const n = await this.catchUp(this.subs);
    if (reconnect) this.o.log?.('info', `cTrader feed resumed: ${n} bars backfilled`);
    this.verify(false);
    this.scheduleVerify();
  }

  /** Subscribes the spots and live bars of `subs` that cTrader does not have, and backfills their gaps. Returns the bars backfilled. */
  private catchUp(subs: Sub[]): Promise<number> {
    const job = this.work.then(async () => {
      this.buffering ??= [];
      try {
        if (!this.o.connection.ready) return 0;
        await this.o.symbols.load([...new Set(subs.map((s) => s.symbol))]);
        for (const s of subs) s.sym = this.o.symbols.must(s.symbol);
        await this.registry.holdBars(HOLDER, subs.map((s) => ({ symbolId: s.sym!.symbolId, period: s.period })));
        // History needs no subscription: a symbol whose live bars were refused still gets its closed bars.
        return await this.backfill(subs);
      } catch (e) {
        this.o.log?.('error', `cTrader feed could not resubscribe: ${(e as Error).message}`);
        for (const s of subs) s.problem ??= (e as Error).message;
        return 0;
      } finally {
        for (const s of subs) s.backfilling = false;
        const held = this.buffering ?? [];
        this.buffering = null;
        for (const m of held) this.spot(m);
        this.statusChanged();
      }
    });
    this.work = job.then(() => {}, () => {});
    return job;
  }

  /** Closed bars since each sub's last delivered one, in close-time order across symbols; the forming one is kept for the live updates. */
  private async backfill(subs: Sub[]): Promise<number> {
    const now = this.o.clock.now();
    const fills = await Promise.all(
      subs.map(async (s) => {
        const ms = TIMEFRAME_MS[s.tf];
        const since = s.lastDelivered > -Infinity ? nextBarOpenTime(s.lastDelivered, s.tf) : barOpenTime(now, s.tf) - (this.o.historyBars ?? 0) * ms;
        const from = Math.max(since, barOpenTime(now, s.tf) - Math.max(MAX_GAP_BARS, this.o.historyBars ?? 0) * ms);
        if (from > since) this.o.log?.('warn', `${s.symbol} ${s.tf}: the gap since the last bar is longer than ${MAX_GAP_BARS} bars; only the last ${MAX_GAP_BARS} are fetched`);
        try {
          const bars = from < now ? await this.history(s.symbol, s.tf, from, now) : [];
          return bars.map((bar) => ({ s, bar }));
        } catch (e) {
          s.problem = (e as Error).message;
          return [];
        }
      }),
    );
    const all = fills.flat().sort((a, b) => nextBarOpenTime(a.bar.time, a.s.tf) - nextBarOpenTime(b.bar.time, b.s.tf));
    for (const { s, bar } of all) {
      if (nextBarOpenTime(bar.time, s.tf) <= now) {
        if (this.deliver(s, bar)) this.stats.backfilled++;
      } else if (!s.forming || bar.time >= s.forming.time) {
        s.forming = bar;
        this.arm(s);
      }
    }
    return all.length;
  }

  private checks(): { text: string; verdict: FeedVerdict }[] {
    const since = this.reconnected ? 'since reconnect' : 'since connect';
    return this.subs.map((s) =>
      feedLine(
        {
          symbol: s.symbol,
          timeframe: s.tf,
          symbolProblem: s.sym ? null : s.problem,
          spots: s.sym ? this.registry.spotStatus(s.sym.symbolId) : null,
          bars: s.sym ? this.registry.barStatus({ symbolId: s.sym.symbolId, period: s.period }) : null,
          backfilling: s.backfilling,
          backfillProblem: s.sym ? s.problem : null,
        },
        since,
      ),
    );
  }

  /**
   * Marks the symbols that deliver nothing and alerts once per connection:
   * refusals at once, a symbol still without spots when the time is up.
   * Returns the subs still short of live bars.
   */
  private verify(timeUp: boolean): Sub[] {
    if (!this.o.connection.ready || !this.onBar) return [];
    const short: Sub[] = [];
    this.checks().forEach((c, i) => {
      const s = this.subs[i];
      if (c.verdict === 'broken' || c.verdict === 'pending') short.push(s);
      // Cleared only when it delivers again (statusChanged), which also fetches what it missed.
      if (c.verdict === 'broken' || (timeUp && c.verdict === 'pending')) s.broken = true;
      if (s.broken && !s.alerted) {
        s.alerted = true;
        this.alert(`cTrader feed: ${c.text}`);
      }
    });
    this.statusChanged();
    return short;
  }

  /** After VERIFY_AFTER_MS: what is still missing is asked for again (only that) and its gap backfilled, until every symbol delivers. */
  private scheduleVerify(): void {
    this.cancelVerify?.();
    this.cancelVerify = this.scheduler.after(VERIFY_AFTER_MS, () => {
      this.cancelVerify = null;
      const short = this.verify(true);
      if (!short.length) return;
      for (const s of short) s.problem = null;
      void this.catchUp(short).then(() => {
        this.verify(true);
        if (this.o.connection.ready && this.onBar) this.scheduleVerify();
      });
    });
  }

  private statusChanged(): void {
    if (this.o.connection.ready && this.onBar && this.subs.some((s) => s.broken)) {
      this.checks().forEach((c, i) => {
        const s = this.subs[i];
        if (!s.broken || (c.verdict !== 'live' && c.verdict !== 'quiet')) return;
        // It delivers again: the bars it missed meanwhile come from history.
        s.broken = false;
        this.o.log?.('info', `cTrader feed: ${c.text} again`);
        void this.catchUp([s]);
      });
    }
    const text = this.status();
    if (text === this.statusText) return;
    this.statusText = text;
    for (const fn of this.statusListeners) fn(text);
  }

  private alert(message: string): void {
    if (this.o.onAlert) this.o.onAlert(message);
    else this.o.log?.('error', message);
  }

  private spot(m: CTraderMessage): void {
    const p = m.payload as { symbolId: number; bid?: number; ask?: number; trendbar?: WireTrendbar[]; timestamp?: number };
    const q = this.quotes.get(p.symbolId) ?? { bid: NaN, ask: NaN, time: 0 };
    // bid and ask are left out when unchanged.
    if (p.bid !== undefined) q.bid = p.bid / PRICE_SCALE;
    if (p.ask !== undefined) q.ask = p.ask / PRICE_SCALE;
    if (p.timestamp !== undefined) q.time = p.timestamp;
    this.quotes.set(p.symbolId, q);
    for (const tb of p.trendbar ?? []) {
      const s = this.subs.find((x) => x.sym?.symbolId === p.symbolId && x.period === (tb.period ?? 1));
      if (!s || !s.sym) continue;
      const bar = decodeTrendbar(tb, s.sym.spec, Number.isFinite(q.bid) ? q.bid : undefined);
      if (bar.time <= s.lastDelivered) continue;
      if (s.forming && bar.time > s.forming.time) {
        if (this.deliver(s, s.forming)) this.stats.live++;
      }
      if (!s.forming || bar.time >= s.forming.time) s.forming = bar;
      this.arm(s);
    }
  }

  /** Closes the forming bar at its boundary plus grace if no later bar shows up first. */
  private arm(s: Sub): void {
    s.cancelTimer?.();
    const f = s.forming;
    if (!f) return;
    const due = nextBarOpenTime(f.time, s.tf) + (this.o.graceMs ?? 2000);
    s.cancelTimer = this.scheduler.after(due - this.o.clock.now(), () => {
      s.cancelTimer = null;
      if (s.forming !== f || !this.onBar) return;
      if (this.o.clock.now() < due) return this.arm(s);
      if (this.deliver(s, f)) this.stats.closedByTimer++;
    });
  }

  private deliver(s: Sub, bar: Bar): boolean {
    if (bar.time <= s.lastDelivered || !this.onBar) return false;
    s.lastDelivered = bar.time;
    if (s.forming && s.forming.time <= bar.time) s.forming = null;
    this.onBar(s.symbol, s.tf, bar);
    const close = nextBarOpenTime(bar.time, s.tf);
    this.stepEnds.delivered(close, this.subs, (x) => x.broken, this.onStepEnd);
    return true;
  }
}
