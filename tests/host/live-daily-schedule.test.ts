import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { PaperBroker } from '../../workers/brokers/paper/paper-broker.ts';
import type { BrokerEventSink } from '../../workers/brokers/broker.ts';
import type { Scheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import { barAt, sliceSeries, type Bar } from '../../workers/market/bar.ts';
import type { BarFeed, BarHandler, StepEndHandler } from '../../workers/market/feed.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import type { CostModel } from '../../workers/market/costs.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { LiveHost, type LiveMarket } from '../../workers/host/live-host.ts';
import { loadModelNode } from '../../relay/host/node-host.ts';
import { bundled } from '../helpers/bundled.ts';

const DAY = 86_400_000;
const goog = sliceSeries(bundled('GOOG'), 0, 160);
const COSTS: CostModel = { spreadPips: 3, slippagePips: 2, commission: { kind: 'none' } };
const AGENT: AgentConfig = {
  id: 'daily',
  name: 'GOOG daily SMA',
  symbols: ['GOOG'],
  timeframe: 'D1',
  alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 3, slow: 8, longOnly: false } },
  sizing: { kind: 'fixed', units: 10 },
  maxPositionPct: 1000,
  stopAtr: null,
  targetAtr: null,
  trailAtr: null,
  atrPeriod: 14,
  // Half past eight in New York: after the UTC-midnight close of a D1 bar (19:00 or 20:00 there), so the bar waits.
  schedule: { kind: 'daily', at: '20:30', timeZone: 'America/New_York' },
};

/** Daily bars pushed by the test at their close, on a clock the test moves. */
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
    this.handlers!.onBar('GOOG', 'D1', bar);
    await this.handlers!.onStepEnd?.(bar.time + DAY);
  }
}

/** Wake-ups the test fires by moving its clock. */
class TestScheduler implements Scheduler {
  jobs: { at: number; fn: () => void; live: boolean }[] = [];
  constructor(private readonly clock: { t: number }) {}
  after(ms: number, fn: () => void): () => void {
    const job = { at: this.clock.t + ms, fn, live: true };
    this.jobs.push(job);
    return () => (job.live = false);
  }
  /** Moves the clock to `t`, running each wake-up due on the way. */
  async advanceTo(t: number): Promise<void> {
    for (;;) {
      const job = this.jobs.filter((j) => j.live && j.at <= t).sort((a, b) => a.at - b.at)[0];
      if (!job) break;
      job.live = false;
      this.clock.t = Math.max(this.clock.t, job.at);
      job.fn();
      await new Promise((r) => setTimeout(r, 0));
    }
    this.clock.t = t;
  }
}

async function openHost(store: ReturnType<typeof createMemoryStore>, clock: { t: number }, broker: PaperBroker, feed: ScriptedFeed, scheduler: Scheduler, bind: (s: BrokerEventSink) => void, log?: (line: string) => void) {
  const market = (s: BrokerEventSink): LiveMarket => {
    bind(s);
    return { name: 'paper-live', broker, feed, subscriptions: [{ symbol: 'GOOG', timeframe: 'D1' }], instrument: (x) => KNOWN_INSTRUMENTS[x], connect: async () => {}, disconnect: () => {}, status: () => ({ connected: true, lastHeartbeat: clock.t }) };
  };
  const host = await LiveHost.open({ store, wallClock: { now: () => clock.t }, owner: 'relay', loadModel: loadModelNode, market, scheduler, staleAfterMs: 60_000, log });
  await host.start();
  return host;
}

const decisionsOf = (ev: readonly EngineEvent[]) => ev.filter((e): e is Extract<EngineEvent, { type: 'decision' }> => e.type === 'decision');

describe('daily schedule on a live feed', () => {
  it('holds each D1 bar until 20:30 New York, decides it then, fills at the next open, and decides as the backtest of the same bars', async () => {
    const store = createMemoryStore();
    const clock = { t: goog.time[0] };
    let sink: BrokerEventSink = () => {};
    const broker = new PaperBroker({ initialCash: 100_000, leverage: 1, costs: COSTS, instrument: (s) => KNOWN_INSTRUMENTS[s], now: () => clock.t }, (e) => sink(e));
    await store.bars.put(sliceSeries(goog, 0, 100));
    // Created, then a restart: the agent warms up on the 100 stored bars, as a backtest from bar 100 does.
    const scheduler = new TestScheduler(clock);
    const host1 = await openHost(store, clock, broker, new ScriptedFeed(), scheduler, (s) => (sink = s));
    expect((await host1.command({ kind: 'agent.create', config: AGENT })).ok).toBe(true);
    await host1.stop();
    const feed = new ScriptedFeed();
    const host = await openHost(store, clock, broker, feed, scheduler, (s) => (sink = s));

    for (let i = 100; i < 160; i++) {
      const close = goog.time[i] + DAY;
      await scheduler.advanceTo(close);
      await feed.push(barAt(goog, i));
      // Midnight UTC is 19:00 or 20:00 in New York: the bar is not decided yet.
      expect(decisionsOf(await store.events.since(0)).some((e) => e.payload.barTime === goog.time[i])).toBe(false);
      // 20:30 New York: 01:30 UTC in winter (EST), 00:30 UTC in summer (EDT).
      const summer = new Date(goog.time[i]).toLocaleString('en-US', { timeZone: 'America/New_York', timeZoneName: 'short' }).endsWith('EDT');
      const due = close + (summer ? 30 : 90) * 60_000;
      await scheduler.advanceTo(due);
      const mine = decisionsOf(await store.events.since(0)).filter((e) => e.payload.barTime === goog.time[i]);
      expect(mine.length, new Date(goog.time[i]).toISOString()).toBe(1);
      expect(mine[0].time).toBe(due);
    }
    await host.stop();

    const all = await store.events.since(0);
    const live = decisionsOf(all);
    expect(live.length).toBe(60);
    // Each order fills at the next bar's open plus the 3-cent spread and 2-cent slippage (buys), minus the slippage (sells).
    const orders = live.filter((e) => e.payload.clientOrderId);
    expect(orders.length).toBeGreaterThan(3);
    for (const o of orders) {
      const i = goog.time.indexOf(o.payload.barTime);
      const fill = all.find((e) => e.type === 'order.filled' && (e.payload as { clientOrderId: string }).clientOrderId === o.payload.clientOrderId)?.payload as { price: number; side: number } | undefined;
      if (i + 1 >= 160) continue;
      expect(fill, o.payload.clientOrderId).toBeDefined();
      const open = goog.open[i + 1];
      expect(fill!.price).toBe(fill!.side === 1 ? Math.round((open + 0.05) * 100) / 100 : Math.round((open - 0.02) * 100) / 100);
    }
    // The same bars in a backtest (the first 100 warming up): the same decisions, only their times differ.
    const bt = await runBacktest({ series: [goog], agent: AGENT, initialCash: 100_000, leverage: 1, costs: COSTS, instrument: (s) => KNOWN_INSTRUMENTS[s], from: goog.time[100] });
    const strip = (d: ReturnType<typeof decisionsOf>) => d.map((e) => ({ id: e.id, payload: e.payload }));
    expect(JSON.stringify(strip(live))).toBe(JSON.stringify(strip(decisionsOf(bt.events))));
  });
});

/** 20:30 New York after the close of bar i: 01:30 UTC in winter (EST), 00:30 UTC in summer (EDT). */
function dueOf(i: number): number {
  const summer = new Date(goog.time[i]).toLocaleString('en-US', { timeZone: 'America/New_York', timeZoneName: 'short' }).endsWith('EDT');
  return goog.time[i] + DAY + (summer ? 30 : 90) * 60_000;
}

/**
 * How the host restarts after bar i arrived: before its decision time; 10 s
 * after the decision (inside the 60 s staleness allowance, so only the record
 * can tell it was decided); down across the decision time and back 30 s late
 * (inside the allowance) or two hours late (outside it).
 */
type Restart = 'before-decision' | 'after-decision' | 'back-30s-late' | 'back-2h-late';

/** Bars 100..159 on a live host restarted as `restarts` says; every decision write the host attempted, and its log. */
async function runWithRestarts(restarts: Record<number, Restart>) {
  const store = createMemoryStore();
  const attempted: string[] = [];
  const append = store.events.append.bind(store.events);
  store.events.append = (events) => {
    for (const e of events) if (e.type === 'decision') attempted.push(e.id);
    return append(events);
  };
  const clock = { t: goog.time[0] };
  let sink: BrokerEventSink = () => {};
  const broker = new PaperBroker({ initialCash: 100_000, leverage: 1, costs: COSTS, instrument: (s) => KNOWN_INSTRUMENTS[s], now: () => clock.t }, (e) => sink(e));
  await store.bars.put(sliceSeries(goog, 0, 100));
  const scheduler = new TestScheduler(clock);
  const logs: string[] = [];
  const open = async () => {
    const feed = new ScriptedFeed();
    return { feed, host: await openHost(store, clock, broker, feed, scheduler, (s) => (sink = s), (l) => logs.push(l)) };
  };
  let { host, feed } = await open();
  expect((await host.command({ kind: 'agent.create', config: AGENT })).ok).toBe(true);
  await host.stop();
  ({ host, feed } = await open());
  const decidedAt = new Map<number, number>();
  for (let i = 100; i < 160; i++) {
    await scheduler.advanceTo(goog.time[i] + DAY);
    await feed.push(barAt(goog, i));
    expect(decisionsOf(await store.events.since(0)).some((e) => e.payload.barTime === goog.time[i])).toBe(false);
    const r = restarts[i];
    if (r && r !== 'after-decision') {
      await host.stop();
      if (r === 'back-30s-late') await scheduler.advanceTo(dueOf(i) + 30_000);
      if (r === 'back-2h-late') await scheduler.advanceTo(dueOf(i) + 2 * 3_600_000);
      ({ host, feed } = await open());
    }
    if (clock.t < dueOf(i)) await scheduler.advanceTo(dueOf(i));
    if (r === 'after-decision') {
      await scheduler.advanceTo(dueOf(i) + 10_000);
      await host.stop();
      ({ host, feed } = await open());
    }
    const mine = decisionsOf(await store.events.since(0)).filter((e) => e.payload.barTime === goog.time[i]);
    if (mine.length) decidedAt.set(i, mine[0].time);
    expect(mine.length).toBeLessThanOrEqual(1);
  }
  await host.stop();
  return { all: await store.events.since(0), attempted, logs, decidedAt };
}

describe('daily schedule across live restarts', () => {
  const strip = (d: ReturnType<typeof decisionsOf>) => d.map((e) => ({ id: e.id, payload: e.payload }));
  const backtest = async () => decisionsOf((await runBacktest({ series: [goog], agent: AGENT, initialCash: 100_000, leverage: 1, costs: COSTS, instrument: (s) => KNOWN_INSTRUMENTS[s], from: goog.time[100] })).events);

  it('a restart while a bar is held decides it once at 20:30 New York, and a restart after the decision does not decide it again: the backtest’s decisions, id for id', async () => {
    const before = [103, 110, 111, 127, 140, 155];
    const after = [104, 120, 141, 156];
    const restarts: Record<number, Restart> = {};
    for (const i of before) restarts[i] = 'before-decision';
    for (const i of after) restarts[i] = 'after-decision';
    const { all, attempted, decidedAt } = await runWithRestarts(restarts);
    // Every bar decided once, at its decision time, whichever side of it the host restarted.
    for (let i = 100; i < 160; i++) expect(decidedAt.get(i), new Date(goog.time[i]).toISOString()).toBe(dueOf(i));
    // Written once each: the restart after a decision found it in the record and did not take it again.
    expect(attempted.length).toBe(60);
    expect(new Set(attempted).size).toBe(60);
    const bt = await backtest();
    expect(JSON.stringify(strip(decisionsOf(all)))).toBe(JSON.stringify(strip(bt)));
    // The restarts fell on bars that trade: some of those decisions placed orders.
    const ordered = decisionsOf(all).filter((e) => e.payload.clientOrderId).map((e) => goog.time.indexOf(e.payload.barTime));
    expect(ordered.length).toBeGreaterThan(3);
  });

  it('a host down across the decision time decides at its restart within the staleness allowance, and misses the day beyond it, saying so', async () => {
    const { all, attempted, logs, decidedAt } = await runWithRestarts({ 120: 'back-30s-late', 158: 'back-2h-late' });
    // 30 s late: decided at the restart, the decision the backtest takes (its fill at the next open is the same).
    expect(decidedAt.get(120)).toBe(dueOf(120) + 30_000);
    const bt = await backtest();
    const live = decisionsOf(all);
    const at = (d: ReturnType<typeof decisionsOf>, i: number) => JSON.stringify(strip(d.filter((e) => e.payload.barTime === goog.time[i])));
    for (let i = 100; i < 158; i++) expect(at(live, i), String(i)).toBe(at(bt, i));
    // Two hours late: missed, in words; the next bar is decided at its time.
    expect(decidedAt.has(158)).toBe(false);
    expect(attempted.filter((id) => id === `dec:daily:GOOG:${goog.time[158]}`)).toEqual([]);
    expect(logs).toContain(`agent daily missed its GOOG D1 bar of ${new Date(goog.time[158]).toISOString().slice(0, 10)}: its decision time (daily@20:30/America/New_York, ${new Date(dueOf(158)).toISOString()}) passed while the host was down`);
    expect(decidedAt.get(159)).toBe(dueOf(159));
    expect(new Set(attempted).size).toBe(attempted.length);
  });
});
