/**
 * A restart with a position open: a new live host on a new connection over
 * the same store (as the relay does after a restart). Reconcile takes the
 * position over and subscribes its symbol's spots before the feed asks for
 * all of them; every symbol must still deliver, the bars missed while the
 * host was down are fetched from history, and the status says so per symbol.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriesFromBars } from '../../workers/market/bar.ts';
import { openLiveHostOnFake } from './live-host-on-fake.ts';
import type { LiveHost } from '../../workers/host/live-host.ts';
import { listenTcp, listenTls, selfSignedCert, type Listening } from './fake/listen.ts';
import { START_PRICE, SYMBOLS, liveStart, minuteHistory, pump, startClient, until } from './helpers.ts';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 10, 10, 0);
const NAMES = ['EURUSD', 'GBPUSD', 'USDJPY'];

describe('a live host restarted with a position open (fake server, TLS)', () => {
  const listening: Listening[] = [];
  let cert: { key: string; cert: string };
  beforeAll(() => {
    cert = selfSignedCert();
  });
  afterAll(async () => {
    for (const l of listening) await l.close();
  });

  it('keeps every symbol delivering, held or not, and fills the bars missed while it was down', async () => {
    const { time, fake, store } = await liveStart(T0);
    for (const n of NAMES.slice(1)) {
      const f = START_PRICE[n] / 1.1;
      const bars = minuteHistory(30, n.length, T0 - 30 * MIN).map((b) => ({ ...b, open: r3(b.open * f), high: r3(b.high * f), low: r3(b.low * f), close: r3(b.close * f) }));
      fake.seed(n, 'M1', bars);
      await store.bars.put(seriesFromBars(n, 'M1', bars));
    }
    const tls = await listenTls(fake, cert);
    listening.push(tls);
    const price = (n: string, k: number) => Math.round(START_PRICE[n] * (1 + k * 0.0001) * 1e5) / 1e5;
    // Time moves in heartbeat-sized steps with the answers let in: a silent minute would be a dead connection.
    const tickAll = async (k: number, s = 1000) => {
      for (let t = time.now() + 10_000; t < T0 + k * MIN + s; t += 10_000) {
        time.advanceTo(t);
        await pump(time);
      }
      time.advanceTo(T0 + k * MIN + s);
      for (const n of NAMES) fake.tick(n, T0 + k * MIN + s, price(n, k), SYMBOLS.find((x) => x.name === n)!.digits === 3 ? 0.002 : 0.00002);
    };
    const alerts: string[] = [];
    let sessions = 0;
    const open = async () => {
      const host = await openLiveHostOnFake({ store, time, port: tls.port, ca: cert.cert, symbols: NAMES, onAlert: (m) => alerts.push(m) });
      await host.start();
      sessions++;
      await until(() => fake.received.filter((m) => m.name === 'ProtoOASubscribeLiveTrendbarReq').length >= NAMES.length * sessions, 'the live bar subscriptions');
      await pump(time);
      return host;
    };
    const message = async (host: LiveHost) => (await host.status()).feed.message;
    const stored = async (n: string) => Array.from((await store.bars.get(n, 'M1'))?.time ?? []).filter((t) => t >= T0).map((t) => (t - T0) / MIN);

    await tickAll(0);
    const first = await open();
    await tickAll(1);
    await pump(time);
    await eventually(async () => (await message(first)) === 'EURUSD M1 live; GBPUSD M1 live; USDJPY M1 live', 'every symbol live');

    // A position of a TradeGuard agent in EURUSD, as a previous run left it.
    const tcp = await listenTcp(fake);
    listening.push(tcp);
    const other = startClient(tcp.port, time);
    await other.conn.start();
    other.broker.submit({ clientOrderId: 'x:EURUSD:1:E', agentId: 'x', symbol: 'EURUSD', side: 1, volumeUnits: 10_000, stopDistance: null, targetDistance: null, decidedAt: T0 });
    await until(() => fake.openPositions().length === 1, 'the EURUSD position');
    other.conn.stop();
    await first.stop();

    for (const k of [2, 3, 4]) await tickAll(k); // while nobody is connected
    const restartedAt = fake.received.length;
    const second = await open();
    const since = fake.received.slice(restartedAt);
    // Reconcile took the EURUSD spots; the feed asked only for the others, once each.
    expect(since.filter((m) => m.name === 'ProtoOASubscribeSpotsReq').map((m) => m.payload.symbolId)).toEqual([[1], [2, 3]]);
    for (const id of [1, 2, 3]) expect(since.some((m) => m.name === 'ProtoOAGetTrendbarsReq' && m.payload.symbolId === id)).toBe(true);
    // Bars 1-3 closed while the host was down: fetched from history and stored, for every symbol.
    for (const n of NAMES) await eventually(async () => (await stored(n)).includes(3), `${n} bar 3 stored`);

    await tickAll(5, 100);
    await pump(time);
    await eventually(async () => (await message(second)) === 'EURUSD M1 live; GBPUSD M1 live; USDJPY M1 live', 'every symbol live after the restart');
    for (const n of NAMES) await eventually(async () => (await stored(n)).includes(4), `${n} bar 4 (live) stored`);
    for (const n of NAMES) expect(await stored(n)).toEqual([0, 1, 2, 3, 4]);
    expect(alerts).toEqual([]);
    await second.stop();
  });
});

const r3 = (x: number) => Math.round(x * 1000) / 1000;

async function eventually(cond: () => Promise<boolean>, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
