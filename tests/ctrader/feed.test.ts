import { afterEach, describe, expect, it } from 'vitest';
import { CTraderLiveFeed } from '../../workers/brokers/ctrader/live-feed.ts';
import type { Bar } from '../../workers/market/bar.ts';
import type { Timeframe } from '../../workers/market/timeframe.ts';
import { listenTcp, type Listening } from './fake/listen.ts';
import { ManualTime, START_PRICE, SYMBOLS, fakeServer, startClient, until, type Client } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 4, 12, 0);
const MIN = 60_000;
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

function seedBars(n: number, start: number, p0: number, digits: number): Bar[] {
  const f = 10 ** digits;
  return Array.from({ length: n }, (_, i) => {
    const o = Math.round((p0 + Math.sin(i / 7) * p0 * 0.001) * f) / f;
    const c = Math.round((p0 + Math.sin((i + 1) / 7) * p0 * 0.001) * f) / f;
    return { time: start + i * MIN, open: o, high: Math.max(o, c) + 1 / f, low: Math.min(o, c) - 1 / f, close: c, volume: 5 };
  }).map((b) => ({ ...b, high: Math.round(b.high * f) / f, low: Math.round(b.low * f) / f }));
}

async function setup(history: number, tfs: Timeframe[] = ['M1'], symbols = SYMBOLS.map((s) => s.name)) {
  const time = new ManualTime(T0 - history * MIN);
  const fake = fakeServer(() => time.now());
  const seeded = new Map<string, Bar[]>();
  for (const s of SYMBOLS) {
    const bars = seedBars(history, T0 - history * MIN, START_PRICE[s.name], s.digits);
    fake.seed(s.name, 'M1', bars);
    seeded.set(s.name, bars);
  }
  time.advanceTo(T0 + 500);
  const l: Listening = await listenTcp(fake);
  const c: Client = startClient(l.port, time);
  const feed = new CTraderLiveFeed({ connection: c.conn, symbols: c.symbols, subscriptions: symbols.flatMap((symbol) => tfs.map((timeframe) => ({ symbol, timeframe }))), clock: time, timers: time, graceMs: 2000, historyBars: history });
  const got: { symbol: string; tf: Timeframe; bar: Bar }[] = [];
  const steps: number[] = [];
  cleanup.push(() => l.close(), () => c.conn.stop(), () => feed.stop());
  await c.conn.start();
  void feed.run(
    (symbol, tf, bar) => got.push({ symbol, tf, bar }),
    (t) => void steps.push(t),
  );
  return { time, fake, l, feed, got, steps, seeded, ...c };
}

const px = (name: string, k: number) => Math.round((START_PRICE[name] * (1 + k * 0.0001)) * 1e5) / 1e5;

describe('CTraderLiveFeed', () => {
  it('delivers history, then live bars of 5 symbols closed by the next bar, each step ended once', async () => {
    const s = await setup(30);
    await until(() => s.got.length === 150, '5 x 30 history bars');
    for (const sym of SYMBOLS) expect(s.got.filter((g) => g.symbol === sym.name).map((g) => g.bar)).toEqual(s.seeded.get(sym.name));
    // In close-time order across symbols.
    const closes = s.got.map((g) => g.bar.time);
    expect([...closes].sort((a, b) => a - b)).toEqual(closes);
    for (const sym of SYMBOLS) s.fake.tick(sym.name, T0 + 1000, px(sym.name, 1));
    for (const sym of SYMBOLS) s.fake.tick(sym.name, T0 + 20_000, px(sym.name, 3));
    s.time.advanceTo(T0 + MIN + 100);
    for (const sym of SYMBOLS) s.fake.tick(sym.name, T0 + MIN + 100, px(sym.name, 2));
    await until(() => s.got.length === 155, 'five live bars');
    for (const g of s.got.slice(150)) {
      const n = g.symbol;
      expect(g.bar).toMatchObject({ time: T0, open: px(n, 1), high: px(n, 3), close: px(n, 3), low: px(n, 1) });
    }
    expect(s.feed.stats.live).toBe(5);
    expect(s.steps.at(-1)).toBe(T0 + MIN);
    expect(new Set(s.steps).size).toBe(s.steps.length);
  });

  it('closes a bar by the clock when the market goes quiet', async () => {
    const s = await setup(3, ['M1'], ['EURUSD']);
    await until(() => s.got.length === 3, 'history');
    s.fake.tick('EURUSD', T0 + 1000, 1.1002);
    await until(() => s.fake.received.length > 0 && s.feed.quote('EURUSD')?.bid === 1.1002, 'the tick');
    s.time.advanceTo(T0 + MIN + 1999);
    expect(s.got).toHaveLength(3);
    s.time.advanceTo(T0 + MIN + 2000);
    expect(s.got).toHaveLength(4);
    expect(s.got[3].bar).toMatchObject({ time: T0, close: 1.1002 });
    expect(s.feed.stats.closedByTimer).toBe(1);
    // The next bar's first tick (after the timer closed T0) does not deliver T0 twice.
    s.fake.tick('EURUSD', T0 + MIN + 3000, 1.1003);
    await until(() => s.feed.quote('EURUSD')?.bid === 1.1003, 'the tick');
    s.time.advanceTo(T0 + 2 * MIN + 2500);
    await until(() => s.got.length === 5, 'next bar by timer');
    expect(s.got.map((g) => g.bar.time)).toEqual([T0 - 3 * MIN, T0 - 2 * MIN, T0 - MIN, T0, T0 + MIN]);
  });

  it('backfills the bars missed while disconnected, in order, once', async () => {
    const s = await setup(5, ['M1'], ['EURUSD', 'GBPUSD']);
    await until(() => s.got.length === 10, 'history');
    s.fake.faults.refuse = true;
    s.fake.dropAll();
    for (let k = 0; k < 4; k++) {
      s.time.advanceTo(T0 + k * MIN + 1000);
      s.fake.tick('EURUSD', T0 + k * MIN + 1000, px('EURUSD', k));
      s.fake.tick('GBPUSD', T0 + k * MIN + 1000, px('GBPUSD', -k));
    }
    s.time.advanceTo(T0 + 3 * MIN + 30_000);
    expect(s.got).toHaveLength(10); // no timer closes stale bars while away
    s.fake.faults.refuse = false;
    await until(() => s.got.length === 16, 'backfill of 3 bars x 2 symbols');
    expect(s.got.slice(10).map((g) => `${g.symbol}@${(g.bar.time - T0) / MIN}`)).toEqual(['EURUSD@0', 'GBPUSD@0', 'EURUSD@1', 'GBPUSD@1', 'EURUSD@2', 'GBPUSD@2']);
    expect(s.got[12].bar.close).toBe(px('EURUSD', 1));
    expect(s.feed.stats.backfilled).toBe(16);
    // Live again afterwards.
    s.time.advanceTo(T0 + 4 * MIN + 100);
    s.fake.tick('EURUSD', T0 + 4 * MIN + 100, px('EURUSD', 9));
    await until(() => s.got.length === 17, 'live after backfill');
    expect(s.got[16]).toMatchObject({ symbol: 'EURUSD', bar: { time: T0 + 3 * MIN } });
  });

  it('pages long histories (the server caps each answer)', async () => {
    const s = await setup(1200, ['M1'], ['EURUSD']);
    await until(() => s.got.length === 1200, '1200 bars in 3 pages', 10_000);
    expect(s.got.map((g) => g.bar)).toEqual(s.seeded.get('EURUSD'));
    expect(s.fake.received.filter((m) => m.name === 'ProtoOAGetTrendbarsReq').length).toBe(3);
  });
});
