import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { PaperBroker } from '../../workers/brokers/paper/paper-broker.ts';
import type { BrokerEventSink } from '../../workers/brokers/broker.ts';
import type { Bar } from '../../workers/market/bar.ts';
import { barAt, sliceSeries } from '../../workers/market/bar.ts';
import type { BarFeed, BarHandler, StepEndHandler } from '../../workers/market/feed.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { LiveHost, type LiveMarket } from '../../workers/host/live-host.ts';
import { loadModelNode } from '../../relay/host/node-host.ts';
import { bundled } from '../helpers/bundled.ts';

const H = 3_600_000;
const eurusd = sliceSeries(bundled('EURUSD'), 0, 600);

/** Bars pushed by the test, each at its close on a clock the test moves: a live feed without a network. */
class ScriptedFeed implements BarFeed {
  private handlers: { onBar: BarHandler; onStepEnd?: StepEndHandler } | null = null;
  private end: (() => void) | null = null;
  run(onBar: BarHandler, onStepEnd?: StepEndHandler): Promise<void> {
    this.handlers = { onBar, onStepEnd };
    return new Promise((r) => (this.end = r));
  }
  stop(): void {
    this.handlers = null;
    this.end?.();
  }
  async push(bar: Bar): Promise<void> {
    if (!this.handlers) throw new Error('feed not running');
    this.handlers.onBar('EURUSD', 'H1', bar);
    await this.handlers.onStepEnd?.(bar.time + H);
  }
}

/**
 * The account outlives the host, as a real broker's does: a paper broker
 * filling from the same bars, kept across restarts of the host.
 */
function account(clock: { t: number }) {
  let sink: BrokerEventSink = () => {};
  const broker = new PaperBroker({ initialCash: 10_000, leverage: 30, costs: DEMO_ACCOUNT.costs, instrument: (s) => KNOWN_INSTRUMENTS[s], now: () => clock.t }, (e) => sink(e));
  const market = (feed: ScriptedFeed) => (s: BrokerEventSink): LiveMarket => {
    sink = s;
    return {
      name: 'paper-live',
      broker,
      feed,
      subscriptions: [{ symbol: 'EURUSD', timeframe: 'H1' }],
      instrument: (x) => KNOWN_INSTRUMENTS[x],
      connect: async () => {},
      disconnect: () => {},
      status: () => ({ connected: true, lastHeartbeat: clock.t }),
    };
  };
  return { broker, market };
}

async function openHost(store: ReturnType<typeof createMemoryStore>, clock: { t: number }, market: ReturnType<typeof account>['market'], feed: ScriptedFeed) {
  const host = await LiveHost.open({ store, wallClock: { now: () => clock.t }, owner: 'relay', loadModel: loadModelNode, market: market(feed) });
  await host.start();
  return host;
}

const intents = (ev: EngineEvent[]) => ev.filter((e) => e.type === 'order.intent').map((e) => (e.payload as { clientOrderId: string }).clientOrderId);

describe('live host', () => {
  it('creates an agent by command, trades live bar closes, and after a restart warms up and goes on with no order twice', async () => {
    const store = createMemoryStore();
    const clock = { t: eurusd.time[0] };
    const { broker, market } = account(clock);
    // History before the agent existed: stored bars it will warm up on.
    await store.bars.put(sliceSeries(eurusd, 0, 100));
    const feed1 = new ScriptedFeed();
    const host1 = await openHost(store, clock, market, feed1);
    const created = await host1.command({ kind: 'agent.create', config: { ...DEMO_AGENT, id: 'live-sma' } });
    expect(created.ok).toBe(true);
    await host1.stop(); // restart so the new agent warms up on the 100 stored bars
    const feed2 = new ScriptedFeed();
    const host2 = await openHost(store, clock, market, feed2);
    for (let i = 100; i < 350; i++) {
      clock.t = eurusd.time[i] + H;
      await feed2.push(barAt(eurusd, i));
    }
    await host2.stop();
    const mid = await store.events.since(0);
    const decisions = mid.filter((e) => e.type === 'decision');
    expect(decisions.length).toBe(250);
    expect(decisions.some((d) => d.type === 'decision' && /warming up/.test(d.payload.reason))).toBe(false);
    expect(intents(mid).length).toBeGreaterThan(2);

    // Restart: the last bar is seen again by a reconnecting feed; bars after it trade.
    const feed3 = new ScriptedFeed();
    const host3 = await openHost(store, clock, market, feed3);
    await feed3.push(barAt(eurusd, 349)); // a duplicate delivery
    for (let i = 350; i < 600; i++) {
      clock.t = eurusd.time[i] + H;
      await feed3.push(barAt(eurusd, i));
    }
    const st = await host3.status();
    await host3.stop();
    const all = await store.events.since(0);
    const ids = intents(all);
    expect(new Set(ids).size).toBe(ids.length);
    expect(all.filter((e) => e.type === 'decision').length).toBe(500);
    // The engine's view of positions is the broker's.
    expect(st.agents[0].openPositions).toBe(broker.positions().length);
    expect((await store.positions.open()).map((p) => p.positionId)).toEqual(broker.positions().map((p) => p.id));
    expect((await store.bars.get('EURUSD', 'H1'))!.time.length).toBe(600);
  });

  it('only warms up on a bar that arrives long after its close (a backfill), and refuses agents on symbols it does not feed', async () => {
    const store = createMemoryStore();
    const clock = { t: eurusd.time[0] };
    const { market } = account(clock);
    const feed = new ScriptedFeed();
    const host = await openHost(store, clock, market, feed);
    expect((await host.command({ kind: 'agent.create', config: { ...DEMO_AGENT, id: 'x', symbols: ['GBPUSD'] } })).ok).toBe(false);
    expect(await host.command({ kind: 'agent.create', config: { ...DEMO_AGENT, id: 'y' } })).toMatchObject({ ok: true });
    clock.t = eurusd.time[200] + H;
    for (let i = 0; i < 200; i++) await feed.push(barAt(eurusd, i)); // all stale: hours old
    for (let i = 200; i < 260; i++) {
      clock.t = eurusd.time[i] + H;
      await feed.push(barAt(eurusd, i));
    }
    await host.stop();
    const d = (await store.events.since(0)).filter((e) => e.type === 'decision');
    expect(d.length).toBe(60);
    expect(d[0].type === 'decision' && d[0].payload.reason).not.toMatch(/warming up/);
  });
});
