import type { CTraderMessage } from './codec.ts';
import type { CTraderConnection } from './connection.ts';
import { CTraderError } from './errors.ts';

/**
 * Spot and live-bar subscriptions of one connection, per symbol, with who
 * holds each (the account side for the symbols of its positions, the feed for
 * the symbols it trades). cTrader refuses a SubscribeSpotsReq that names one
 * symbol already subscribed as a whole, subscribing none of it, so only what
 * is missing is asked for, and a refused batch is asked for again symbol by
 * symbol. A subscription is what cTrader confirmed on this connection; the
 * spots and bars seen since are what the status may claim.
 */
export type SubState = 'none' | 'subscribed' | 'refused';

export interface SpotStatus {
  state: SubState;
  /** Why it is not subscribed (cTrader's refusal, or the request that failed). */
  reason: string | null;
  /** A spot of this symbol arrived on this connection. */
  spotSeen: boolean;
}

export interface BarStatus {
  state: SubState;
  reason: string | null;
  /** A live bar of this symbol and period arrived since cTrader confirmed the subscription. */
  barSeen: boolean;
  /** A spot of the symbol arrived since then (a tick that carried no bar of this period). */
  spotSinceSubscribed: boolean;
}

export interface BarKey {
  symbolId: number;
  period: number;
}

interface Entry {
  holders: Set<string>;
  state: SubState;
  reason: string | null;
}

interface SpotEntry extends Entry {
  /** Spot count when the last spot of this symbol arrived (0: none on this connection). */
  lastSpot: number;
}

interface BarEntry extends Entry, BarKey {
  subscribedAt: number;
  lastBar: number;
}

const barKey = (k: BarKey) => `${k.symbolId}:${k.period}`;

export class MarketSubscriptions {
  private readonly spots = new Map<number, SpotEntry>();
  private readonly bars = new Map<string, BarEntry>();
  private readonly listeners = new Set<() => void>();
  /** Wire operations run one at a time, so each one sees what the previous one left. */
  private chain: Promise<unknown> = Promise.resolve();
  /** Counts connections: an answer from before a reconnect says nothing about the new one. */
  private epoch = 0;
  private spotCount = 0;

  constructor(private readonly conn: CTraderConnection) {
    conn.on((m) => this.message(m));
    conn.onDown(() => this.down());
  }

  /** Spots of these symbols for `holder`. Resolves with the symbols left unsubscribed, and why. */
  holdSpots(holder: string, symbolIds: readonly number[]): Promise<Map<number, string>> {
    for (const id of symbolIds) this.spot(id).holders.add(holder);
    return this.run(() => this.subscribeSpots(symbolIds));
  }

  /**
   * Holds the spots of a symbol cTrader already sends on this connection, at
   * once: true when it did (nothing to ask). The broker holds a symbol on every
   * fill and lets it go on every close; a reversal would otherwise queue a
   * round through the chain (promises, a map) for what it already has.
   */
  holdIfSubscribed(holder: string, symbolId: number): boolean {
    const s = this.spots.get(symbolId);
    if (s?.state !== 'subscribed') return false;
    s.holders.add(holder);
    return true;
  }

  /** Live bars (and the spots they need) for `holder`. Resolves with the bars left unsubscribed, by "symbolId:period", and why. */
  holdBars(holder: string, wanted: readonly BarKey[]): Promise<Map<string, string>> {
    for (const k of wanted) {
      this.spot(k.symbolId).holders.add(holder);
      this.bar(k).holders.add(holder);
    }
    return this.run(async () => {
      const noSpots = await this.subscribeSpots([...new Set(wanted.map((k) => k.symbolId))]);
      const out = new Map<string, string>();
      await Promise.all(
        wanted.map(async (k) => {
          const why = noSpots.get(k.symbolId) ?? (await this.subscribeBar(this.bar(k)));
          if (why !== null && why !== undefined) out.set(barKey(k), why);
        }),
      );
      return out;
    });
  }

  /** `holder` no longer needs this symbol: what nobody holds any more is unsubscribed. */
  release(holder: string, symbolId: number): void {
    const spot = this.spots.get(symbolId);
    if (!spot || !spot.holders.delete(holder)) return;
    let orphaned = spot.holders.size === 0;
    for (const b of this.bars.values()) if (b.symbolId === symbolId && b.holders.delete(holder) && b.holders.size === 0) orphaned = true;
    // Still held by others (the feed's own symbols): nothing to unsubscribe, no round through the chain.
    if (!orphaned) return;
    const bars = [...this.bars.values()].filter((b) => b.symbolId === symbolId);
    void this.run(async () => {
      for (const b of bars) if (b.holders.size === 0 && b.state === 'subscribed') await this.unsubscribe(b, 'ProtoOAUnsubscribeLiveTrendbarReq', { symbolId, period: b.period });
      if (spot.holders.size === 0 && spot.state === 'subscribed') await this.unsubscribe(spot, 'ProtoOAUnsubscribeSpotsReq', { symbolId: [symbolId] });
    });
  }

  spotStatus(symbolId: number): SpotStatus {
    const s = this.spots.get(symbolId);
    return { state: s?.state ?? 'none', reason: s?.reason ?? null, spotSeen: (s?.lastSpot ?? 0) > 0 };
  }

  barStatus(k: BarKey): BarStatus {
    const b = this.bars.get(barKey(k));
    const lastSpot = this.spots.get(k.symbolId)?.lastSpot ?? 0;
    return { state: b?.state ?? 'none', reason: b?.reason ?? null, barSeen: (b?.lastBar ?? 0) > 0, spotSinceSubscribed: !!b && b.state === 'subscribed' && lastSpot > b.subscribedAt };
  }

  /** Who holds the spots of a symbol (tests, the status screen). */
  holdersOf(symbolId: number): string[] {
    return [...(this.spots.get(symbolId)?.holders ?? [])];
  }

  /** Something the status shows changed: a subscription, the first spot or bar since one. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private async subscribeSpots(ids: readonly number[]): Promise<Map<number, string>> {
    const missing = [...new Set(ids)].filter((id) => this.spot(id).state !== 'subscribed' && this.spot(id).holders.size > 0);
    if (missing.length && this.conn.ready) {
      const epoch = this.epoch;
      const why = await this.ask('ProtoOASubscribeSpotsReq', { symbolId: missing, subscribeToSpotTimestamp: true });
      if (epoch === this.epoch) {
        if (why === null) for (const id of missing) this.set(this.spot(id), 'subscribed', null);
        else if (missing.length === 1) this.settle(this.spot(missing[0]), why);
        // The batch was refused as a whole (one symbol already subscribed, or unknown): none of it is subscribed, so each is asked for alone.
        else for (const id of missing) this.settle(this.spot(id), await this.ask('ProtoOASubscribeSpotsReq', { symbolId: [id], subscribeToSpotTimestamp: true }));
      }
    }
    const out = new Map<number, string>();
    for (const id of ids) {
      const s = this.spot(id);
      if (s.state !== 'subscribed') out.set(id, s.reason ?? 'not connected to cTrader');
    }
    return out;
  }

  /** Null once cTrader confirmed the bar subscription, else why not. */
  private async subscribeBar(b: BarEntry, again = true): Promise<string | null> {
    if (b.state === 'subscribed') return null;
    if (!this.conn.ready) return 'not connected to cTrader';
    const epoch = this.epoch;
    const why = await this.ask('ProtoOASubscribeLiveTrendbarReq', { symbolId: b.symbolId, period: b.period });
    if (epoch !== this.epoch) return 'the connection closed';
    if (why !== null && why.startsWith('NOT_SUBSCRIBED_TO_SPOTS') && again) {
      // cTrader does not have the spots this side thought it had: subscribe them, then the bars once more.
      this.set(this.spot(b.symbolId), 'none', why);
      const noSpots = (await this.subscribeSpots([b.symbolId])).get(b.symbolId);
      return noSpots ? this.settle(b, noSpots) : this.subscribeBar(b, false);
    }
    this.settle(b, why);
    if (why === null) b.subscribedAt = this.spotCount;
    return why;
  }

  /** Null when cTrader confirmed, else the reason; ALREADY_SUBSCRIBED for a request naming one subscription is a confirmation. */
  private async ask(name: string, payload: Record<string, unknown>): Promise<string | null> {
    try {
      await this.conn.request(name, payload, { retryOnRateLimit: true });
      return null;
    } catch (e) {
      const single = name === 'ProtoOASubscribeLiveTrendbarReq' || (payload.symbolId as number[]).length === 1;
      if (e instanceof CTraderError && e.code === 'ALREADY_SUBSCRIBED' && single) return null;
      return (e as Error).message;
    }
  }

  private async unsubscribe(e: Entry, name: string, payload: Record<string, unknown>): Promise<void> {
    if (!this.conn.ready) return;
    // Whatever the answer, nobody holds it: a spot still arriving is harmless.
    await this.conn.request(name, payload, { retryOnRateLimit: true }).catch(() => {});
    if (e.holders.size === 0) this.set(e, 'none', null);
  }

  /** Subscribed when cTrader confirmed (why = null), else refused with the reason. */
  private settle(e: Entry, why: string | null): string | null {
    this.set(e, why === null ? 'subscribed' : 'refused', why);
    return why;
  }

  private set(e: Entry, state: SubState, reason: string | null): void {
    if (e.state === state && e.reason === reason) return;
    e.state = state;
    e.reason = reason;
    // A bar counts as seen only after the subscription cTrader just confirmed.
    if (state === 'subscribed' && 'lastBar' in e) (e as BarEntry).lastBar = 0;
    this.changed();
  }

  private message(m: CTraderMessage): void {
    if (m.name !== 'ProtoOASpotEvent') return;
    const p = m.payload as { symbolId: number; trendbar?: { period?: number }[] };
    const spot = this.spots.get(p.symbolId);
    if (!spot) return;
    let first = spot.lastSpot === 0;
    spot.lastSpot = ++this.spotCount;
    for (const tb of p.trendbar ?? []) {
      const b = this.bars.get(barKey({ symbolId: p.symbolId, period: tb.period ?? 1 }));
      if (!b) continue;
      first ||= b.lastBar === 0;
      b.lastBar = this.spotCount;
    }
    if (first) this.changed();
  }

  /** A new connection starts with no subscriptions: the holders stay, and ask again once it is ready. */
  private down(): void {
    this.epoch++;
    for (const s of this.spots.values()) Object.assign(s, { state: 'none', reason: null, lastSpot: 0 });
    for (const b of this.bars.values()) Object.assign(b, { state: 'none', reason: null, lastBar: 0, subscribedAt: 0 });
    this.changed();
  }

  private run<T>(op: () => Promise<T>): Promise<T> {
    const p = this.chain.then(op);
    this.chain = p.catch(() => {});
    return p;
  }

  private spot(id: number): SpotEntry {
    let s = this.spots.get(id);
    if (!s) this.spots.set(id, (s = { holders: new Set(), state: 'none', reason: null, lastSpot: 0 }));
    return s;
  }

  private bar(k: BarKey): BarEntry {
    let b = this.bars.get(barKey(k));
    if (!b) this.bars.set(barKey(k), (b = { ...k, holders: new Set(), state: 'none', reason: null, subscribedAt: 0, lastBar: 0 }));
    return b;
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }
}

const registries = new WeakMap<CTraderConnection, MarketSubscriptions>();

/** The one registry of a connection: the broker and the feed share it, so neither subscribes what the other already has. */
export function subscriptionsOf(conn: CTraderConnection): MarketSubscriptions {
  let r = registries.get(conn);
  if (!r) registries.set(conn, (r = new MarketSubscriptions(conn)));
  return r;
}
