/**
 * A paper agent beside a live one on a cTrader account (the fake server over
 * TLS): both decide on the same live M1 bars, only the live agent's orders
 * reach the server; the paper agent's fill in the host's paper book, and a
 * restart brings nothing of it to the server either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../workers/util/seeded-random.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import { openLiveHostOnFake } from './live-host-on-fake.ts';
import { listenTls, selfSignedCert, type Listening } from './fake/listen.ts';
import { liveStart, pump, until } from './helpers.ts';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 2, 10, 0);
const BASE: Omit<AgentConfig, 'id' | 'name'> = { symbols: ['EURUSD'], timeframe: 'M1', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 2, slow: 5 } }, sizing: { kind: 'fixed', units: 10_000 }, maxPositionPct: 1e6, stopAtr: 3, targetAtr: 3, trailAtr: null, atrPeriod: 5 };

describe('a paper agent beside a live one on cTrader (fake server, TLS)', () => {
  let tls: Listening;
  let cert: { key: string; cert: string };
  beforeAll(() => {
    cert = selfSignedCert();
  });
  afterAll(async () => {
    await tls?.close();
  });

  it('sends only the live agent’s orders to the server; the paper agent trades the same bars in its paper book', async () => {
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
      await until(() => subscribed() >= opens, 'the live trendbar subscription');
      await pump(time);
      return host;
    };
    let host = await open();
    expect(await host.command({ kind: 'agent.create', config: { ...BASE, id: 'ct', name: 'live SMA' } })).toMatchObject({ ok: true, message: expect.stringContaining('trading live') });
    expect(await host.command({ kind: 'agent.create', config: { ...BASE, id: 'ct-paper', name: 'paper SMA', mode: 'paper' } })).toMatchObject({ ok: true, message: expect.stringContaining('trading paper') });
    await host.stop();
    host = await open();

    const rnd = seededRandom(5);
    let price = past[past.length - 1].close;
    for (let m = 0; m < 60; m++) {
      if (m === 30) {
        await host.stop();
        host = await open();
      }
      for (const s of [5_000, 30_000, 55_000]) {
        price = Math.round((price + (rnd() - 0.5) * 0.0006) * 1e5) / 1e5;
        time.advanceTo(T0 + m * MIN + s);
        fake.tick('EURUSD', T0 + m * MIN + s, price, 0.00002);
        await pump(time);
      }
      const closes = T0 + m * MIN;
      time.advanceTo(T0 + (m + 1) * MIN + 1000);
      fake.tick('EURUSD', T0 + (m + 1) * MIN + 1000, price, 0.00002);
      let last = (await host.status()).feed.lastBarTime ?? 0;
      host.subscribe((u) => void (last = u.status.feed.lastBarTime ?? last));
      await until(() => last >= closes, `bar ${m} to close`, 10_000);
    }
    const st = await host.status();
    await host.stop();

    const sent = fake.newOrders().map((o) => (o.payload as { clientOrderId: string }).clientOrderId);
    expect(sent.length).toBeGreaterThan(2);
    expect(sent.every((id) => id.startsWith('ct:'))).toBe(true);
    const events = await store.events.since(0);
    const paperIntents = events.filter((e) => e.type === 'order.intent' && e.agentId === 'ct-paper');
    const paperFills = events.filter((e) => e.type === 'order.filled' && e.agentId === 'ct-paper');
    expect(paperIntents.length).toBeGreaterThan(2);
    expect(paperFills.length).toBeGreaterThan(2);
    expect(events.filter((e) => e.type === 'decision' && e.agentId === 'ct-paper').length).toBe(60);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    // The server holds the live agent's positions only; the card counts each agent's own book.
    const byAgent = Object.fromEntries(st.agents.map((a) => [a.id, a]));
    expect(byAgent.ct.mode).toBe('live');
    expect(byAgent['ct-paper'].mode).toBe('paper');
    expect(byAgent.ct.openPositions).toBe(fake.openPositions().length);
    expect(byAgent['ct-paper'].openPositions).toBe((await store.positions.open({ agentId: 'ct-paper' })).length);
  });
});
