/**
 * A daily agent on GOOG at Interactive Brokers (issue 16): the bundled GOOG
 * daily bars served by the fake TWS on loopback, one session at a time as
 * IB's keepUpToDate daily updates (dates), IB's hours with the exchange's
 * holidays CLOSED, simulated time through each session's close and the
 * agent's decision time (daily@16:10/America/New_York, docs/ENGINE.md "Daily
 * schedule"). In paper mode its decisions equal a backtest of the same bars
 * bit for bit and nothing reaches IB; then, gone live, its orders reach IB as
 * brackets at the decision time and fill at the next session's open, and a
 * holiday sends nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { barAt, sliceSeries, type BarSeries } from '../../workers/market/bar.ts';
import type { CostModel } from '../../workers/market/costs.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import { dailyDecisionTime, type DailySchedule } from '../../workers/engine/schedule.ts';
import { ibkrMarket, type IbkrMarket } from '../../workers/host/ibkr-market.ts';
import { LiveHost } from '../../workers/host/live-host.ts';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import type { EngineEvent, EngineEventOf } from '../../workers/trading/events.ts';
import { loadModelNode } from '../../relay/host/node-host.ts';
import { TcpTransport } from '../../relay/ibkr/tcp-transport.ts';
import { ManualTime } from '../ctrader/helpers.ts';
import { bundled } from '../helpers/bundled.ts';
import { FakeTws } from './fake-tws.ts';
import { until } from './helpers.ts';

const DAY = 86_400_000;
const MIN = 60_000;
const NY: DailySchedule = { kind: 'daily', at: '16:10', timeZone: 'America/New_York' };
const COSTS: CostModel = { spreadPips: 3, slippagePips: 2, commission: { kind: 'none' } };
const AGENT: AgentConfig = {
  id: 'goog-daily',
  name: 'GOOG daily SMA',
  symbols: ['GOOG'],
  timeframe: 'D1',
  mode: 'paper',
  alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 3, slow: 8, longOnly: false } },
  sizing: { kind: 'fixed', units: 10 },
  maxPositionPct: 1000,
  stopAtr: 2,
  targetAtr: 4,
  trailAtr: null,
  atrPeriod: 14,
  schedule: NY,
};

const goog = bundled('GOOG');
const at = (y: number, m: number, d: number) => goog.time.indexOf(Date.UTC(y, m - 1, d));
/** 300 bars of history, then the sessions pushed live: 15 October 2012 to 18 January 2013 (closed: Sandy on 29-30 October, Thanksgiving, Christmas, New Year's Day, Martin Luther King Day). */
const FIRST = at(2012, 10, 1);
/** Paper until here at least; live from the first session after it that the agent ends flat (a mode change needs it flat). */
const PAPER_UNTIL = at(2012, 12, 3);
const LAST = at(2013, 1, 25);
const series = sliceSeries(goog, FIRST - 300, LAST + 1);
const ymd = (t: number) => new Date(t).toISOString().slice(0, 10).replaceAll('-', '');

/** IB's hours for GOOG over the test's dates: a session on each date with a bar, CLOSED on the others (weekends, holidays). */
function hours(from: number, to: number): { tradingHours: string; liquidHours: string } {
  const trading: string[] = [];
  const liquid: string[] = [];
  for (let t = from; t <= to; t += DAY) {
    const d = ymd(t);
    const open = goog.time.includes(t);
    trading.push(open ? `${d}:0400-${d}:2000` : `${d}:CLOSED`);
    liquid.push(open ? `${d}:0930-${d}:1600` : `${d}:CLOSED`);
  }
  return { tradingHours: trading.join(';'), liquidHours: liquid.join(';') };
}

const of = <T extends EngineEvent['type']>(ev: readonly EngineEvent[], type: T): EngineEventOf<T>[] => ev.filter((e) => e.type === type) as EngineEventOf<T>[];
const strip = (d: EngineEventOf<'decision'>[]) => d.map((e) => ({ id: e.id, payload: e.payload }));
const settle = () => new Promise((r) => setTimeout(r, 2));

let fake: FakeTws | null = null;
let host: LiveHost | null = null;
afterEach(async () => {
  await host?.stop();
  host = null;
  await fake?.close();
});

describe('a daily GOOG agent at IB (fake TWS, simulated time)', () => {
  it('paper: each session decided once at 16:10 New York, as the backtest of the same bars, nothing sent to IB; live: brackets at the decision time, filled at the next open, nothing on a holiday', async () => {
    // The evening before the first pushed session: its bar and everything before is history.
    const time = new ManualTime(series.time[300] - 5 * 3_600_000);
    const placed: { at: number; fields: string[] }[] = [];
    fake = new FakeTws({
      now: () => time.now(),
      historyUntil: () => time.now(),
      nextValidId: 700,
      orders: { cash: 100_000, commissionPerUnit: 0.005 },
      hours: { GOOG: hours(series.time[290], series.time[series.time.length - 1] + 7 * DAY) },
      onReceive: (f) => void (f[0] === '3' && placed.push({ at: time.now(), fields: f })),
    });
    const port = await fake.listen();
    const store = createMemoryStore();
    await store.bars.put(sliceSeries(series, 0, 300));
    let market: IbkrMarket | null = null;
    const alerts: string[] = [];
    const open = () =>
      LiveHost.open({
        store,
        wallClock: time,
        owner: 'relay',
        loadModel: loadModelNode,
        scheduler: time,
        paperBook: { costs: COSTS, leverage: 1 },
        market: (sink) => (market = ibkrMarket({ transport: () => new TcpTransport({ host: '127.0.0.1', port }), clock: time, scheduler: time, clientId: 11, account: null, marketDataType: 1, subscriptions: [{ symbol: 'GOOG', timeframe: 'D1' }], paper: true, onAlert: (a) => void alerts.push(a) })(sink)),
      });
    // Created, then the relay restarts: the agent warms up on the 300 stored bars, as the backtest from bar 300 does.
    host = await open();
    await host.start();
    expect((await host.command({ kind: 'agent.create', config: AGENT })).ok).toBe(true);
    await host.stop();
    host = await open();
    await host.start();
    const m = market!;
    await until(() => m.feed.status() === `GOOG D1 live, last bar ${new Date(series.time[299]).toISOString().slice(0, 10)}`);
    const stream = () => [...fake!.streams.keys()].at(-1)!;
    const events = () => store.events.since(0);

    /** One session: IB's update during the day, the bar complete at 16:00 New York (delivered a minute later), decided at 16:10. */
    const session = async (i: number, beforeDecision?: () => Promise<void>) => {
      const bar = barAt(series, i);
      const due = dailyDecisionTime(bar.time, NY);
      const close = due - 10 * MIN;
      time.advanceTo(close - 60 * MIN);
      // The open: IB's book fills what waits for it at this session's open, then what the day's range crosses.
      fake!.bar('GOOG', { time: close - 390 * MIN, open: bar.open, high: bar.high, low: bar.low, close: bar.close });
      fake!.pushUpdate(stream(), { ...bar, close: bar.open }, 1, ymd(bar.time));
      fake!.pushUpdate(stream(), bar, 1, ymd(bar.time));
      // 16:01 New York: the bar is complete (IB's regular session ended at 16:00) and delivered, not yet decided.
      const label = `last bar ${new Date(bar.time).toISOString().slice(0, 10)}`;
      await until(() => (time.advanceTo(close + MIN), m.feed.status().endsWith(label)));
      await settle();
      expect(of(await events(), 'decision').filter((e) => e.payload.barTime === bar.time)).toEqual([]);
      await beforeDecision?.();
      time.advanceTo(due);
      const mine = await waitFor(async () => of(await events(), 'decision').find((e) => e.payload.barTime === bar.time));
      expect(mine.time).toBe(due);
      // A live order's first message reaches IB before time moves on (a close waits for its children's cancels, a round trip).
      const first = of(await events(), 'order.intent').find((e) => e.time === due && e.agentId === AGENT.id);
      if (first && (await host!.status()).agents.find((a) => a.id === AGENT.id)?.mode === 'live') await until(() => placed.some((p) => p.fields[26] === first.payload.clientOrderId));
      // Evening: nothing more until the next session (a holiday or a weekend passes in between).
      time.advanceTo(due + 5 * 3_600_000);
      await settle();
      return mine;
    };

    let i = 300;
    for (; i <= PAPER_UNTIL - FIRST + 300; i++) await session(i);
    // Once flat after a session's bar (a stop or target of the day), before its 16:10 decision: live, without the ramp (a test of the path, not of the gates).
    let liveFrom = -1;
    for (; i < series.time.length && liveFrom < 0; i++) {
      const k = i;
      await session(k, async () => {
        const st = await host!.status();
        if (st.pendingOrders.some((o) => o.agentId === AGENT.id) || (await store.positions.open({ agentId: AGENT.id })).length) return;
        const r = await host!.command({ kind: 'agent.mode', agentId: AGENT.id, mode: 'live', override: { reason: 'daily GOOG test' }, ramp: 'off' });
        expect(r.ok, JSON.stringify(r)).toBe(true);
        liveFrom = k;
      });
    }
    expect(liveFrom, 'the agent was never flat before its decision').toBeGreaterThan(0);
    const all = await events();
    const paperPhase = of(all, 'decision').filter((e) => e.payload.barTime < series.time[liveFrom]);
    expect(paperPhase.length).toBe(liveFrom - 300);
    expect(paperPhase.length).toBeGreaterThanOrEqual(40);
    expect(placed.filter((p) => p.at < dailyDecisionTime(series.time[liveFrom], NY))).toEqual([]);
    const bt = await runBacktest({ series: [sliceSeries(series, 0, liveFrom)], agent: AGENT, initialCash: 100_000, leverage: 1, costs: COSTS, instrument: (s) => m.instrument(s), from: series.time[300] });
    expect(JSON.stringify(strip(paperPhase))).toBe(JSON.stringify(strip(of(bt.events, 'decision'))));
    // Sandy (29-30 October) and Thanksgiving (22 November) are CLOSED at IB and have no bar: no decision on them.
    for (const holiday of [Date.UTC(2012, 9, 29), Date.UTC(2012, 9, 30), Date.UTC(2012, 10, 22)]) expect(paperPhase.some((e) => e.payload.barTime === holiday)).toBe(false);
    // Paper orders fill at the next session's open plus the paper book's 3-cent spread and 2-cent slippage (buys), as in the backtest.
    const orders = paperPhase.filter((e) => e.payload.clientOrderId);
    expect(orders.length).toBeGreaterThan(3);
    for (const o of orders) {
      const k = series.time.indexOf(o.payload.barTime);
      const fill = of(all, 'order.filled').find((e) => e.payload.clientOrderId === o.payload.clientOrderId);
      const btFill = of(bt.events, 'order.filled').find((e) => e.payload.clientOrderId === o.payload.clientOrderId);
      if (k + 1 >= liveFrom) continue;
      expect(fill?.payload.price, o.payload.clientOrderId).toBe(btFill?.payload.price);
      const open = series.open[k + 1];
      expect(fill!.payload.price).toBe(fill!.payload.side === 1 ? Math.round((open + 0.05) * 100) / 100 : Math.round((open - 0.02) * 100) / 100);
    }

    // Live: fifteen more sessions, Martin Luther King Day (21 January 2013, CLOSED at IB) among them.
    for (; i < series.time.length && i < liveFrom + 15; i++) await session(i);
    const liveDecisions = of(await events(), 'decision').filter((e) => e.payload.barTime >= series.time[liveFrom]);
    expect(liveDecisions.map((e) => e.payload.barTime)).toEqual(Array.from(series.time.slice(liveFrom, i)));
    expect(series.time[liveFrom]).toBeLessThan(Date.UTC(2013, 0, 21));
    expect(series.time[i - 1]).toBeGreaterThan(Date.UTC(2013, 0, 21));
    expect(liveDecisions.some((e) => e.payload.barTime === Date.UTC(2013, 0, 21))).toBe(false);
    const liveOrders = liveDecisions.filter((e) => e.payload.clientOrderId);
    expect(liveOrders.length).toBeGreaterThan(0);
    // New orders only: a PLACE_ORDER with an id already sent is a modification (the children moved to the fill at the open).
    const seen = new Set<string>();
    const sent = placed.filter((p) => !seen.has(p.fields[1]) && (seen.add(p.fields[1]), true));
    for (const o of liveOrders) {
      const ref = o.payload.clientOrderId!;
      const mine = sent.filter((p) => p.fields[26]?.startsWith(ref));
      const k = series.time.indexOf(o.payload.barTime);
      if (o.payload.action !== 'enter') {
        // A reversal closes first, at the decision time (its new entry follows the close's fill); the close fills at the next open.
        const close = ref.replace(/:E$/, ':X');
        expect(sent.filter((p) => p.fields[26] === close).map((p) => p.at), close).toEqual([o.time]);
        if (k + 1 < i) expect([...fake.orders.orders.values()].find((x) => x.orderRef === close)?.avgPrice).toBe(series.open[k + 1]);
        continue;
      }
      expect(mine.every((p) => p.at === o.time)).toBe(true);
      // An entry's bracket reached IB at the decision time: parent, target, stop, each with its orderRef.
      expect(mine.map((p) => p.fields[26]), ref).toEqual([ref, `${ref}:tp`, `${ref}:sl`]);
      const parent = [...fake.orders.orders.values()].find((x) => x.orderRef === ref)!;
      if (k + 1 >= i) continue;
      // Filled at the next session's open on IB's book, whatever days lie between.
      expect([parent.status, parent.avgPrice], ref).toEqual(['Filled', series.open[k + 1]]);
      const filled = of(await events(), 'order.filled').find((e) => e.payload.clientOrderId === ref);
      expect(filled?.payload.price).toBe(series.open[k + 1]);
    }
    // Nothing was sent on a day without a session: every order went out at a decision time of a bar IB had.
    // (An entry after a reversal's close goes out when the close fills, at a session's open.)
    const decisionTimes = new Set(liveOrders.map((e) => e.time));
    const opens = new Set(Array.from(series.time).map((t) => dailyDecisionTime(t, NY) - 400 * MIN));
    for (const p of sent) expect(decisionTimes.has(p.at) || opens.has(p.at), `${p.fields[26]} sent at ${new Date(p.at).toISOString()}`).toBe(true);
    for (const d of [Date.UTC(2012, 11, 25), Date.UTC(2013, 0, 1), Date.UTC(2013, 0, 21)]) expect(sent.filter((p) => p.at >= d && p.at < d + DAY), 'a holiday').toEqual([]);
  });
});

/** Polls an async lookup until it gives something (the store is written after each step). */
async function waitFor<T>(get: () => Promise<T | undefined>, ms = 3000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error('not found in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
