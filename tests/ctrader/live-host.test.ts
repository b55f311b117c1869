/**
 * The product path for a cTrader account: a LiveHost (the relay's live
 * workspace) over the cTrader adapter, against the fake server over TLS. An
 * agent created by command trades live M1 bars; the host restarts mid-run on
 * a new connection; no order reaches the server twice and the engine's
 * positions are the server's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../workers/util/seeded-random.ts';
import { openLiveHostOnFake } from './live-host-on-fake.ts';
import { listenTls, selfSignedCert, type Listening } from './fake/listen.ts';
import { liveStart, pump, until } from './helpers.ts';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 2, 10, 0);


describe('live host on a cTrader account (fake server, TLS)', () => {
  let tls: Listening;
  let cert: { key: string; cert: string };
  beforeAll(() => {
    cert = selfSignedCert();
  });
  afterAll(async () => {
    await tls?.close();
  });

  it('trades live bars from a command-created agent, restarts, and never sends an order twice', async () => {
    const { time, fake, past, store } = await liveStart(T0);
    tls = await listenTls(fake, cert);
    time.advanceTo(T0 + 1000);
    fake.tick('EURUSD', T0 + 1000, past[past.length - 1].close, 0.00002);

    let opens = 0;
    const subscribed = () => fake.received.filter((m) => m.name === 'ProtoOASubscribeLiveTrendbarReq').length;
    const open = async () => {
      const host = await openLiveHostOnFake({ store, time, port: tls.port, ca: cert.cert, symbols: ['EURUSD'] });
      await host.start();
      opens++;
      // Ticks before the live trendbar subscription reach nobody, as on the real server.
      await until(() => subscribed() >= opens, 'the live trendbar subscription');
      await pump(time); // the feed's resume: its (empty) backfill request goes out on the market clock
      return host;
    };

    let host = await open();
    expect((await host.status()).broker).toMatchObject({ name: 'cTrader demo', connected: true });
    const created = await host.command({
      kind: 'agent.create',
      config: { id: 'ct', name: 'cTrader SMA', symbols: ['EURUSD'], timeframe: 'M1', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 2, slow: 5 } }, sizing: { kind: 'fixed', units: 10_000 }, maxPositionPct: 1e6, stopAtr: 3, targetAtr: 3, trailAtr: null, atrPeriod: 5 },
    });
    expect(created).toMatchObject({ ok: true });
    await host.stop();
    host = await open(); // restored from the store, warmed on the 30 stored bars

    const rnd = seededRandom(5);
    let price = past[past.length - 1].close;
    for (let m = 0; m < 60; m++) {
      if (m === 30) {
        await host.stop(); // a restart mid-run: a new connection, reconcile, warm-up on what was stored
        host = await open();
      }
      for (const s of [5_000, 30_000, 55_000]) {
        price = Math.round((price + (rnd() - 0.5) * 0.0006) * 1e5) / 1e5;
        time.advanceTo(T0 + m * MIN + s);
        fake.tick('EURUSD', T0 + m * MIN + s, price, 0.00002);
        await pump(time);
      }
      const closes = T0 + m * MIN; // the next minute's first tick closes this bar
      time.advanceTo(T0 + (m + 1) * MIN + 1000);
      fake.tick('EURUSD', T0 + (m + 1) * MIN + 1000, price, 0.00002);
      const h = host;
      let last = 0;
      h.subscribe((u) => void (last = u.status.feed.lastBarTime ?? last));
      last = (await h.status()).feed.lastBarTime ?? 0;
      await until(() => last >= closes, `bar ${m} to close`, 10_000);
    }
    const st = await host.status();
    await host.stop();

    const sent = fake.newOrders().map((o) => (o.payload as { clientOrderId: string }).clientOrderId);
    expect(sent.length).toBeGreaterThan(2);
    expect(new Set(sent).size).toBe(sent.length);
    const events = await store.events.since(0);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const decisions = events.filter((e) => e.type === 'decision');
    expect(decisions.length).toBe(60);
    expect(st.agents[0].openPositions).toBe(fake.openPositions().length);
    expect((await store.positions.open()).length).toBe(fake.openPositions().length);
  });
});
