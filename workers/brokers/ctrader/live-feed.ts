import type { Bar } from '../../market/bar.ts';
import type { BarFeed, BarHandler, StepEndHandler } from '../../market/feed.ts';
import { barOpenTime, nextBarOpenTime, TIMEFRAME_MS, type Timeframe } from '../../market/timeframe.ts';
import type { Clock, Timers } from '../../engine/clock.ts';
import type { CTraderMessage } from './codec.ts';
import type { CTraderConnection } from './connection.ts';
import { CTraderError } from './errors.ts';
import { schedulerFromTimers, type Scheduler } from './scheduler.ts';
import { PRICE_SCALE, type CTraderSymbol, type SymbolCatalog } from './symbols.ts';
import { decodeTrendbar, PERIOD, type WireTrendbar } from './trendbars.ts';

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
  private stepChain: Promise<void> = Promise.resolve();
  private lastStepEnd = -Infinity;
  private hooked = false;
  /** Bars delivered by backfill and by live trendbars (tests, status). */
  readonly stats = { backfilled: 0, live: 0, closedByTimer: 0 };

  constructor(private readonly o: CTraderLiveFeedOptions) {
    this.scheduler = schedulerFromTimers(o.timers);
    this.subs = o.subscriptions.map((s) => ({ symbol: s.symbol, tf: s.timeframe, period: PERIOD[s.timeframe], sym: null, forming: null, lastDelivered: -Infinity, cancelTimer: null }));
    o.connection.on((m) => {
      if (m.name !== 'ProtoOASpotEvent' || !this.onBar) return;
      if (this.buffering) this.buffering.push(m);
      else this.spot(m);
    });
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
        // While away the forming bar goes stale: history fills it in after the reconnect, not the timer.
        for (const s of this.subs) {
          s.cancelTimer?.();
          s.cancelTimer = null;
          s.forming = null;
        }
      });
    }
    if (this.o.connection.ready) await this.resume(false);
    await done;
  }

  stop(): void {
    this.onBar = null;
    for (const s of this.subs) s.cancelTimer?.();
    this.stopResolve?.();
  }

  /** The last bid and ask of a symbol (prices), when a spot has arrived. */
  quote(symbol: string): { bid: number; ask: number; time: number } | undefined {
    const s = this.subs.find((x) => x.symbol === symbol)?.sym ?? this.o.symbols.get(symbol);
    return s ? this.quotes.get(s.symbolId) : undefined;
  }

  /** Closed bars of `symbol` opening in [from, to), oldest first (paged through ProtoOAGetTrendbarsReq). */
  async history(symbol: string, tf: Timeframe, from: number, to: number): Promise<Bar[]> {
    const [sym] = await this.o.symbols.load([symbol]);
    const out: Bar[] = [];
    let start = from;
    for (let page = 0; page < 1000 && start < to; page++) {
      const res = await this.o.connection.request('ProtoOAGetTrendbarsReq', { symbolId: sym.symbolId, period: PERIOD[tf], fromTimestamp: start, toTimestamp: to }, { retryOnRateLimit: true });
      const bars = ((res.payload.trendbar as WireTrendbar[] | undefined) ?? []).map((tb) => decodeTrendbar(tb, sym.spec));
      let last = -Infinity;
      for (const b of bars) {
        if (b.time >= start && b.time < to && b.time > (out.length ? out[out.length - 1].time : -Infinity)) out.push(b);
        last = Math.max(last, b.time);
      }
      if (!res.payload.hasMore || bars.length === 0) break;
      start = last + 1;
    }
    return out;
  }

  /** After a (re)connect: subscribe again, fill the gap from history, then let buffered live bars through. */
  private async resume(reconnect: boolean): Promise<void> {
    const conn = this.o.connection;
    this.buffering = [];
    try {
      const syms = await this.o.symbols.load([...new Set(this.subs.map((s) => s.symbol))]);
      for (const s of this.subs) s.sym = this.o.symbols.must(s.symbol);
      await ignoreAlready(conn.request('ProtoOASubscribeSpotsReq', { symbolId: syms.map((s) => s.symbolId), subscribeToSpotTimestamp: true }, { retryOnRateLimit: true }));
      await Promise.all(this.subs.map((s) => ignoreAlready(conn.request('ProtoOASubscribeLiveTrendbarReq', { symbolId: s.sym!.symbolId, period: s.period }, { retryOnRateLimit: true }))));
      const now = this.o.clock.now();
      const fills = await Promise.all(
        this.subs.map(async (s) => {
          const ms = TIMEFRAME_MS[s.tf];
          const from = s.lastDelivered > -Infinity ? nextBarOpenTime(s.lastDelivered, s.tf) : barOpenTime(now, s.tf) - (this.o.historyBars ?? 0) * ms;
          const bars = from < now ? await this.history(s.symbol, s.tf, from, now) : [];
          return bars.map((bar) => ({ s, bar }));
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
      if (reconnect) this.o.log?.('info', `cTrader feed resumed: ${all.length} bars backfilled`);
    } catch (e) {
      this.o.log?.('error', `cTrader feed could not resubscribe: ${(e as Error).message}`);
    } finally {
      const held = this.buffering ?? [];
      this.buffering = null;
      for (const m of held) this.spot(m);
    }
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
    // The step ends when every subscription with a bar closing at this instant has delivered it.
    const complete = this.subs.every((x) => barOpenTime(close, x.tf) !== close || nextBarOpenTime(x.lastDelivered, x.tf) >= close);
    if (complete && close > this.lastStepEnd && this.onStepEnd) {
      this.lastStepEnd = close;
      const end = this.onStepEnd;
      this.stepChain = this.stepChain.then(() => end(close)).catch((e) => this.o.log?.('error', `step end failed: ${(e as Error).message}`));
    }
    return true;
  }
}

async function ignoreAlready(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof CTraderError && e.code === 'ALREADY_SUBSCRIBED')) throw e;
  }
}
