/**
 * A reconnect with positions held in some symbols and not in others: the
 * account side subscribes the held symbols' spots first (reconcile), and the
 * strict fake refuses a batch naming one of them as a whole. Every symbol must
 * still deliver its bars afterwards, the gap filled from history, and the
 * status must say per symbol what was seen, never more.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CTraderLiveFeed, VERIFY_AFTER_MS } from '../../workers/brokers/ctrader/live-feed.ts';
import { subscriptionsOf } from '../../workers/brokers/ctrader/subscriptions.ts';
import type { OrderIntent } from '../../workers/trading/orders.ts';
import type { Bar } from '../../workers/market/bar.ts';
import type { Timeframe } from '../../workers/market/timeframe.ts';
import { listenTcp } from './fake/listen.ts';
import { ManualTime, START_PRICE, SYMBOLS, fakeServer, minuteHistory, startClient, until } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 9, 12, 0);
const MIN = 60_000;
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

const px = (name: string, k: number) => Math.round(START_PRICE[name] * (1 + k * 0.0001) * 1e5) / 1e5;
const spread = (name: string) => (SYMBOLS.find((s) => s.name === name)!.digits === 3 ? 0.002 : 0.00002);

async function setup(names: string[]) {
  const time = new ManualTime(T0 - 10 * MIN);
  const fake = fakeServer(() => time.now());
  for (const n of names) fake.seed(n, 'M1', minuteHistory(10, n.length, T0 - 10 * MIN).map((b) => scale(b, START_PRICE[n] / 1.1)));
  time.advanceTo(T0 + 500);
  for (const n of names) fake.tick(n, T0 + 500, px(n, 0), spread(n));
  const l = await listenTcp(fake);
  const c = startClient(l.port, time);
  const alerts: string[] = [];
  const feed = new CTraderLiveFeed({ connection: c.conn, symbols: c.symbols, subscriptions: names.map((symbol) => ({ symbol, timeframe: 'M1' as Timeframe })), clock: time, timers: time, graceMs: 2000, historyBars: 10, onAlert: (m) => alerts.push(m), log: (level, m) => c.logs.push(`${level} ${m}`) });
  const got: { symbol: string; bar: Bar }[] = [];
  const steps: number[] = [];
  cleanup.push(() => l.close(), () => c.conn.stop(), () => feed.stop());
  await c.conn.start();
  void feed.run(
    (symbol, _tf, bar) => got.push({ symbol, bar }),
    (t) => void steps.push(t),
  );
  await until(() => got.length === 10 * names.length, 'the history of every symbol');
  return { ...c, time, fake, feed, got, steps, alerts, connectionAlerts: c.alerts };
}

/** A seeded EURUSD-like bar moved to another symbol's price level, on its grid. */
function scale(b: Bar, f: number): Bar {
  const r = (x: number) => Math.round(x * f * 1000) / 1000;
  return { ...b, open: r(b.open), high: r(b.high), low: r(b.low), close: r(b.close) };
}

const buy = (symbol: string): OrderIntent => ({ clientOrderId: `a1:${symbol}:1:E`, agentId: 'a1', symbol, side: 1, volumeUnits: 10_000, stopDistance: null, targetDistance: null, decidedAt: T0 });

/** Drops the connection, lets `minutes` of ticks happen at the server meanwhile, and lets the client back in. */
async function outage(s: Awaited<ReturnType<typeof setup>>, names: string[], minutes: number[]) {
  const connects = s.conn.stats.connects;
  s.fake.faults.refuse = true;
  s.fake.dropAll();
  await until(() => !s.conn.ready, 'the drop');
  for (const k of minutes) {
    s.time.advanceTo(T0 + k * MIN + 1000);
    for (const n of names) s.fake.tick(n, T0 + k * MIN + 1000, px(n, k), spread(n));
  }
  s.fake.faults.refuse = false;
  await until(() => s.conn.stats.connects > connects && s.conn.ready, 'the reconnect');
}

const timesOf = (s: { got: { symbol: string; bar: Bar }[] }, name: string) => s.got.filter((g) => g.symbol === name && g.bar.time >= T0).map((g) => (g.bar.time - T0) / MIN);

describe('the live feed after a reconnect with positions open', () => {
  it('keeps every symbol, held or not: only the missing spots are subscribed, the gap is backfilled, then live bars flow', async () => {
    const names = ['EURUSD', 'GBPUSD', 'USDJPY', 'AUDUSD'];
    const s = await setup(names);
    s.broker.submit(buy('EURUSD'));
    s.broker.submit(buy('AUDUSD'));
    await until(() => s.broker.positions().length === 2, 'two positions');
    const registry = subscriptionsOf(s.conn);
    expect(registry.holdersOf(1).sort()).toEqual(['account', 'feed']);
    expect(registry.holdersOf(2)).toEqual(['feed']);
    expect(registry.holdersOf(4).sort()).toEqual(['account', 'feed']);

    await outage(s, names, [1, 2, 3]);
    const session = Math.max(...s.fake.received.map((m) => m.session));
    // Backfill: bars 0, 1 and 2 closed while away, for every symbol.
    await until(() => names.every((n) => timesOf(s, n).length >= 3), 'the backfilled gap of every symbol');
    const after = s.fake.received.filter((m) => m.session === session);
    for (const sym of SYMBOLS.filter((x) => names.includes(x.name))) expect(after.some((m) => m.name === 'ProtoOAGetTrendbarsReq' && m.payload.symbolId === sym.symbolId)).toBe(true);
    // Each symbol's spots were asked for once on the new connection: the held ones by reconcile, the others by the feed.
    const asked = after.filter((m) => m.name === 'ProtoOASubscribeSpotsReq').flatMap((m) => m.payload.symbolId as number[]);
    expect(asked.sort()).toEqual([1, 2, 3, 4]);

    // Live: the next minute's ticks close bar 3 of every symbol.
    s.time.advanceTo(T0 + 4 * MIN + 100);
    for (const n of names) s.fake.tick(n, T0 + 4 * MIN + 100, px(n, 4), spread(n));
    await until(() => names.every((n) => timesOf(s, n).length === 4), 'a live bar of every symbol');
    for (const n of names) expect(timesOf(s, n)).toEqual([0, 1, 2, 3]);
    expect(s.got.filter((g) => g.symbol === 'GBPUSD').at(-1)!.bar.close).toBe(px('GBPUSD', 3));
    expect(s.feed.status()).toBe('EURUSD M1 live; GBPUSD M1 live; USDJPY M1 live; AUDUSD M1 live');
    expect(s.steps.at(-1)).toBe(T0 + 4 * MIN);
    expect([...s.alerts, ...s.connectionAlerts]).toEqual([]);
    expect(s.logs.join('\n')).not.toMatch(/could not resubscribe|ALREADY_SUBSCRIBED/);
  });

  it('asks for a refused batch again symbol by symbol: a spot subscription it did not know of refuses the whole batch', async () => {
    const s = await setup(['EURUSD']);
    const registry = subscriptionsOf(s.conn);
    // Subscribed behind the registry's back (as another client on the same session could).
    await s.conn.request('ProtoOASubscribeSpotsReq', { symbolId: [3] });
    const from = s.fake.received.length;
    const refused = await registry.holdSpots('test', [2, 3, 4]);
    expect(refused).toEqual(new Map());
    const asked = s.fake.received.slice(from).filter((m) => m.name === 'ProtoOASubscribeSpotsReq').map((m) => m.payload.symbolId);
    expect(asked).toEqual([[2, 3, 4], [2], [3], [4]]);
    for (const id of [2, 3, 4]) expect(registry.spotStatus(id).state).toBe('subscribed');
    // Known now: asking again sends nothing.
    await registry.holdSpots('test', [2, 3, 4]);
    expect(s.fake.received.slice(from).filter((m) => m.name === 'ProtoOASubscribeSpotsReq')).toHaveLength(4);
  });

  it('unsubscribes a symbol once nobody holds it: a closed position in a symbol the feed does not trade', async () => {
    const s = await setup(['EURUSD']);
    s.fake.tick('USDCHF', T0 + 500, px('USDCHF', 0), spread('USDCHF'));
    s.broker.submit(buy('EURUSD'));
    s.broker.submit(buy('USDCHF'));
    await until(() => s.broker.positions().length === 2, 'two positions');
    const registry = subscriptionsOf(s.conn);
    await until(() => registry.spotStatus(5).state === 'subscribed', 'the USDCHF spots for equity');
    expect(registry.holdersOf(5)).toEqual(['account']);
    s.broker.closePosition('a1:USDCHF:1:E', 'manual', 'a1:USDCHF:2:X');
    s.broker.closePosition('a1:EURUSD:1:E', 'manual', 'a1:EURUSD:2:X');
    await until(() => s.broker.positions().length === 0, 'both closed');
    await until(() => registry.spotStatus(5).state === 'none', 'USDCHF unsubscribed');
    expect(s.fake.received.filter((m) => m.name === 'ProtoOAUnsubscribeSpotsReq').map((m) => m.payload.symbolId)).toEqual([[5]]);
    expect(registry.holdersOf(1)).toEqual(['feed']);
    expect(registry.spotStatus(1).state).toBe('subscribed');
  });

  it('says which symbol has no spots since the reconnect, alerts once, keeps the others stepping, and fills the gap when it comes back', async () => {
    const names = ['EURUSD', 'GBPUSD'];
    const s = await setup(names);
    s.broker.submit(buy('EURUSD'));
    await until(() => s.broker.positions().length === 1, 'the position');
    s.fake.faults.mutedSymbols = ['GBPUSD'];
    await outage(s, names, []);
    await until(() => s.feed.status() === 'EURUSD M1: subscribed, no tick since reconnect; GBPUSD: no spots since reconnect', `the status after the reconnect (${s.feed.status()})`);
    expect(s.alerts).toEqual([]); // not before the time is up: the first spot may still come

    s.time.advanceTo(T0 + VERIFY_AFTER_MS + 500);
    expect(s.alerts).toEqual(['cTrader feed: GBPUSD: no spots since reconnect']);
    s.time.advanceTo(T0 + MIN + 100);
    for (const n of names) s.fake.tick(n, T0 + MIN + 100, px(n, 1), spread(n));
    await until(() => s.feed.status() === 'EURUSD M1 live; GBPUSD: no spots since reconnect', 'EURUSD live, GBPUSD still silent');
    // The silent symbol does not hold up the step of the others.
    await until(() => s.steps.includes(T0 + MIN), 'the step end at T0+1m');
    s.time.advanceTo(T0 + 2 * MIN + 100);
    for (const n of names) s.fake.tick(n, T0 + 2 * MIN + 100, px(n, 2), spread(n));
    await until(() => timesOf(s, 'EURUSD').includes(1), 'EURUSD bar 1');
    expect(s.alerts).toHaveLength(1); // once per connection

    s.fake.faults.mutedSymbols = [];
    s.time.advanceTo(T0 + 3 * MIN + 100);
    for (const n of names) s.fake.tick(n, T0 + 3 * MIN + 100, px(n, 3), spread(n));
    await until(() => s.feed.status() === 'EURUSD M1 live; GBPUSD M1 live', `both live (${s.feed.status()})`);
    // What GBPUSD missed while silent comes from history.
    await until(() => [0, 1, 2].every((k) => timesOf(s, 'GBPUSD').includes(k)), `GBPUSD bars 0-2 (${timesOf(s, 'GBPUSD')})`);
    expect(timesOf(s, 'GBPUSD')).toEqual([0, 1, 2]);
    expect(s.got.filter((g) => g.symbol === 'GBPUSD' && g.bar.time === T0 + 2 * MIN)[0].bar.close).toBe(px('GBPUSD', 2));
  });
});
