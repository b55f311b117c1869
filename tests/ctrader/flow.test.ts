import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCTraderSession } from '../../workers/brokers/ctrader/index.ts';
import { wallScheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import { Engine } from '../../workers/engine/engine.ts';
import { EventJournal } from '../../workers/engine/journal.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { RULE_STRATEGIES } from '../../workers/strategies/index.ts';
import type { Bar } from '../../workers/market/bar.ts';
import { NodeSocketTransport } from '../../relay/ctrader/transport.node.ts';
import { listenTls, selfSignedCert, type Listening } from './fake/listen.ts';
import { ACCOUNT, CLIENT, ManualTime, TOKEN, fakeServer, minuteHistory as history, tokenList, until } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 2, 10, 0);
const MIN = 60_000;

// Goes long on the first bar at or after `at` (open time), once: a deterministic entry for the flow.
RULE_STRATEGIES['ctrader-long-once'] = {
  name: 'ctrader-long-once',
  description: 'test: one long entry at a given bar',
  defaults: { at: 0 },
  check: () => null,
  create: (p) => {
    let last: Bar | null = null;
    let done = false;
    return {
      warmup: 1,
      update: (b) => void (last = b),
      inputs: (out) => void (out.close = last?.close ?? NaN),
      decide: () => {
        if (!done && last && last.time >= (p.at as number)) {
          done = true;
          return { direction: 1, confidence: 1 };
        }
        return { direction: null, confidence: 0 };
      },
    };
  },
};


describe('cTrader adapter against the fake server over TLS', () => {
  let tls: Listening;
  let cert: { key: string; cert: string };
  beforeAll(async () => {
    cert = selfSignedCert();
  });
  afterAll(async () => {
    await tls?.close();
  });

  it('runs the whole flow through the engine: auth, symbols, history, live bars, order with SL/TP, fill, stop hit, closed trade, balance', async () => {
    const time = new ManualTime(T0 - 30 * MIN);
    const fake = fakeServer(() => time.now());
    const seeded = history(20, 7, T0 - 20 * MIN);
    fake.seed('EURUSD', 'M1', seeded);
    time.advanceTo(T0 + 1000);
    fake.tick('EURUSD', T0 + 1000, 1.1001, 0.00002);
    tls = await listenTls(fake, cert);

    const journal = new EventJournal();
    const store = createMemoryStore();
    const appended: Promise<unknown>[] = [];
    journal.subscribe((e) => appended.push(store.events.append([e])));
    const logs: string[] = [];
    const { connection, symbols, broker, feed } = createCTraderSession({
      transport: new NodeSocketTransport({ host: '127.0.0.1', port: tls.port, ca: cert.cert }),
      clock: time,
      timers: time,
      credentials: CLIENT,
      tokens: tokenList([TOKEN]),
      live: false,
      subscriptions: [{ symbol: 'EURUSD', timeframe: 'M1' }],
      historyBars: 20,
      emit: (e) => journal.append(e),
      log: (level, m) => logs.push(`${level} ${m}`),
    });
    const engine = new Engine({ clock: time, broker, journal, instrument: (s) => symbols.instrument(s) });
    await connection.start();
    expect(connection.accountId).toBe(ACCOUNT); // the demo account, picked from the token's list
    expect(symbols.instrument('EURUSD')).toEqual({ symbol: 'EURUSD', digits: 5, pipSize: 0.0001, lotUnits: 100_000, minVolumeUnits: 1000, volumeStepUnits: 1000 });
    engine.addAgent({ id: 'ct1', name: 'ct', symbols: ['EURUSD'], timeframe: 'M1', alpha: { kind: 'rule', strategy: 'ctrader-long-once', params: { at: T0 } }, sizing: { kind: 'fixed', units: 10_000 }, maxPositionPct: 1e6, stopAtr: 2, targetAtr: 4, trailAtr: null, atrPeriod: 3 });
    const bars: Bar[] = [];
    void feed.run((sym, tf, bar) => {
      bars.push(bar);
      engine.onBar(sym, tf, bar);
    });
    await until(() => bars.length === 20, 'the 20 history bars');
    expect(bars).toEqual(seeded);
    expect(broker.account().balanceCents).toBe(1_000_000);

    // Live: ticks inside bar T0, then the first tick of the next bar closes it.
    time.advanceTo(T0 + 30_000);
    fake.tick('EURUSD', T0 + 30_000, 1.1004, 0.00002);
    time.advanceTo(T0 + MIN + 500);
    fake.tick('EURUSD', T0 + MIN + 500, 1.1003, 0.00002);
    await until(() => broker.positions().length === 1, 'the position to open');
    expect(bars[20]).toEqual({ time: T0, open: 1.1001, high: 1.1004, low: 1.1001, close: 1.1004, volume: 2 });

    const order = fake.newOrders()[0].payload as Record<string, number>;
    const intent = journal.events.find((e) => e.type === 'order.intent')!.payload as { clientOrderId: string; stopDistance: number; targetDistance: number };
    expect(order).toMatchObject({ ctidTraderAccountId: ACCOUNT, symbolId: 1, orderType: 1, tradeSide: 1, volume: 1_000_000, clientOrderId: `ct1:EURUSD:${T0}:E`, comment: `ct1:EURUSD:${T0}:E`, label: 'tg:ct1' });
    expect(order.relativeStopLoss).toBe(Math.round(Math.round(intent.stopDistance * 1e5)));
    expect(order.relativeTakeProfit).toBe(Math.round(Math.round(intent.targetDistance * 1e5)));
    const p = broker.positions()[0];
    expect(p).toMatchObject({ id: `ct1:EURUSD:${T0}:E`, agentId: 'ct1', symbol: 'EURUSD', side: 1, volumeUnits: 10_000, entryPrice: 1.10032 });
    expect(p.stopLoss).toBeCloseTo(1.10032 - order.relativeStopLoss / 1e5, 9);
    expect(p.takeProfit).toBeCloseTo(1.10032 + order.relativeTakeProfit / 1e5, 9);

    // The price falls through the stop: the server closes the position.
    time.advanceTo(T0 + MIN + 20_000);
    fake.tick('EURUSD', T0 + MIN + 20_000, Math.round((p.stopLoss! - 0.0001) * 1e5) / 1e5, 0.00002);
    await until(() => broker.positions().length === 0, 'the stop to close the position');
    await Promise.all(appended);
    const trades = await store.trades.list();
    expect(trades).toHaveLength(1);
    const t = trades[0];
    expect(t).toMatchObject({ id: `ct1:EURUSD:${T0}:E`, agentId: 'ct1', symbol: 'EURUSD', side: 1, reason: 'stop', entryPrice: 1.10032 });
    expect(t.grossPnl).toBeCloseTo((t.exitPrice - t.entryPrice) * 10_000, 2);
    expect(t.grossPnl).toBeLessThan(0);
    expect(broker.account().balanceCents).toBe(fake.balance);
    expect(broker.account().balanceCents).toBe(1_000_000 + Math.round(t.grossPnl * 100));
    const types = journal.events.filter((e: EngineEvent) => e.type.startsWith('order.') || e.type.startsWith('position.')).map((e) => e.type);
    expect(types).toEqual(['order.intent', 'order.accepted', 'order.filled', 'position.opened', 'position.closed']);
    // Nothing secret reached the log.
    expect(logs.join('\n')).not.toContain(CLIENT.clientSecret);
    expect(logs.join('\n')).not.toContain(TOKEN);
    expect(fake.badFrames).toEqual([]);
    feed.stop();
    connection.stop();
  });
});
void wallClock;
void wallScheduler;
