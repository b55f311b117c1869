/**
 * A live step's record is written when the step ends, not between its bars:
 * a store write there (SQLite is synchronous in the relay) held up the next
 * bar's orders. What happens between steps is still written as it comes, and
 * a step that does not end (a bar late, or lost with the connection) is
 * written after a second anyway.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { PaperBroker } from '../../workers/brokers/paper/paper-broker.ts';
import type { BrokerEventSink } from '../../workers/brokers/broker.ts';
import type { Bar } from '../../workers/market/bar.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT } from '../../workers/engine/demo.ts';
import { RULE_STRATEGIES } from '../../workers/strategies/index.ts';
import { LiveHost, type LiveMarket } from '../../workers/host/live-host.ts';
import { loadModelNode } from '../../relay/host/node-host.ts';
import { ManualTime } from '../ctrader/helpers.ts';
import { ScriptedFeed } from './scripted-market.ts';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 8, 0, 0);
const SYMBOLS = ['EURUSD', 'GBPUSD'];

// Long, short, long, ... one bar each: every bar close after the first places orders.
RULE_STRATEGIES['test-step-flip'] ??= {
  name: 'test-step-flip',
  description: 'test: long, short, long, ... one bar each',
  defaults: {},
  check: () => null,
  create: () => {
    let n = 0;
    return { warmup: 1, update: () => void n++, inputs: (out) => void (out.n = n), decide: () => ({ direction: n % 2 ? 1 : -1, confidence: 1 }) };
  },
};

const bar = (time: number, p: number): Bar => ({ time, open: p, high: p * 1.001, low: p * 0.999, close: p, volume: 100 });
/** A turn of the event loop: what a microtask or an I/O callback queued has run. */
const turn = () => new Promise((r) => setImmediate(r));

async function openHost(withScheduler: boolean) {
  const time = new ManualTime(T0);
  const store = createMemoryStore();
  const log: string[] = [];
  const append = store.events.append.bind(store.events);
  store.events.append = (batch) => {
    log.push('write');
    return append(batch);
  };
  const feed = new ScriptedFeed();
  const market = (sink: BrokerEventSink): LiveMarket => {
    const broker = new PaperBroker({ initialCash: 1e6, leverage: 30, costs: DEMO_ACCOUNT.costs, instrument: () => KNOWN_INSTRUMENTS.EURUSD, now: () => time.now() }, sink);
    const submit = broker.submit.bind(broker);
    broker.submit = (o) => {
      log.push(`order ${o.symbol}`);
      submit(o);
    };
    return { name: 'test account', broker, feed, subscriptions: SYMBOLS.map((symbol) => ({ symbol, timeframe: 'H1' as const })), instrument: () => KNOWN_INSTRUMENTS.EURUSD, connect: async () => {}, disconnect: () => {}, status: () => ({ connected: true, lastHeartbeat: null }) };
  };
  const host = await LiveHost.open({ store, wallClock: time, owner: 'relay', loadModel: loadModelNode, market, ...(withScheduler ? { scheduler: time } : {}) });
  await host.start();
  const created = await host.command({ kind: 'agent.create', config: { id: 'flip', name: 'flip', symbols: SYMBOLS, timeframe: 'H1', alpha: { kind: 'rule', strategy: 'test-step-flip', params: {} }, sizing: { kind: 'fixed', units: 1000 }, maxPositionPct: 1e6, stopAtr: null, targetAtr: null, trailAtr: null, atrPeriod: 14 } });
  expect(created).toMatchObject({ ok: true });
  /** Step k's bars (closing at T0 + k hours), each symbol's in its own turn of the loop; the step ended unless told not to. */
  const step = async (k: number, end = true) => {
    time.advanceTo(T0 + k * H + 100);
    for (const [i, s] of SYMBOLS.entries()) {
      feed.bar(s, bar(T0 + (k - 1) * H, 1.1 + 0.001 * ((k + i) % 3)));
      await turn();
    }
    if (end) await feed.endStep(T0 + k * H);
  };
  const intents = async () => (await store.events.since(0)).filter((e) => e.type === 'order.intent').map((e) => (e.payload as { clientOrderId: string }).clientOrderId);
  return { time, host, log, step, intents };
}

describe('live host: when a step is written', () => {
  it('writes a step once its last bar has placed its orders, every order and intent of it recorded', async () => {
    const { host, log, step, intents } = await openHost(true);
    await step(1); // the warm-up bar
    for (let k = 2; k <= 4; k++) {
      log.length = 0;
      await step(k);
      // Both symbols' orders went out before anything was written, although their bars came in separate turns of the loop.
      expect(log.slice(0, 2)).toEqual(['order EURUSD', 'order GBPUSD']);
      expect(log).toContain('write');
      const ids = await intents();
      for (const s of SYMBOLS) expect(ids.some((id) => id.includes(s) && id.includes(String(T0 + (k - 2) * H)))).toBe(true);
    }
    await host.stop();
  });

  it('writes a step that does not end after a second of its clock', async () => {
    const { time, host, log, step, intents } = await openHost(true);
    await step(1);
    await step(2);
    const before = (await intents()).length;
    log.length = 0;
    await step(3, false);
    expect(log).toEqual(['order EURUSD', 'order GBPUSD']);
    time.advanceTo(T0 + 3 * H + 100 + 999);
    await turn();
    expect(log).not.toContain('write');
    time.advanceTo(T0 + 3 * H + 100 + 1000);
    await turn();
    expect(log).toContain('write');
    // Each reversal: a close and an entry, both recorded.
    expect((await intents()).length).toBe(before + 4);
    await host.stop();
  });

  it('without a scheduler (no bound on the wait) writes as before, after each bar', async () => {
    const { host, log, step } = await openHost(false);
    await step(1);
    log.length = 0;
    await step(2);
    expect(log.slice(0, 3)).toEqual(['order EURUSD', 'write', 'order GBPUSD']);
    await host.stop();
  });
});
