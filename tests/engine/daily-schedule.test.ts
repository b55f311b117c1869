import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { agentConfigProblems, type AgentConfig } from '../../workers/engine/agent-config.ts';
import { dailyDecisionTime, formatSchedule, parseSchedule, type AgentSchedule } from '../../workers/engine/schedule.ts';
import { barAt, seriesFromBars, sliceSeries, type Bar, type BarSeries } from '../../workers/market/bar.ts';
import type { CostModel } from '../../workers/market/costs.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { WorkspaceHost } from '../../workers/host/workspace-host.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import { loadModelNode } from '../../relay/host/node-host.ts';
import { until } from '../host/helpers.ts';
import { bundled } from '../helpers/bundled.ts';

const DAY = 86_400_000;
const goog = bundled('GOOG');
/** Two years of GOOG daily bars: holidays and weekends included as the exchange had them. */
const bars = sliceSeries(goog, 0, 500);
/** Spread 3 cents, slippage 2 cents, commission 0.1 % of notional: costs the fills must show. */
const COSTS: CostModel = { spreadPips: 3, slippagePips: 2, commission: { kind: 'notional', fraction: 0.001 } };
const NY: AgentSchedule = { kind: 'daily', at: '16:10', timeZone: 'America/New_York' };

/** A fast SMA cross that trades often on daily bars, with a fixed size so every fill is easy to check. */
function agent(schedule: AgentSchedule | undefined, id = 'daily'): Omit<AgentConfig, 'symbols' | 'timeframe'> {
  return {
    id,
    name: 'GOOG daily SMA',
    alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 3, slow: 8, longOnly: false } },
    sizing: { kind: 'fixed', units: 10 },
    maxPositionPct: 1000,
    stopAtr: null,
    targetAtr: null,
    trailAtr: null,
    atrPeriod: 14,
    ...(schedule ? { schedule } : {}),
  };
}

const backtest = (series: BarSeries, schedule: AgentSchedule | undefined) => runBacktest({ series: [series], agent: agent(schedule), initialCash: 100_000, leverage: 1, costs: COSTS });
const decisions = (ev: readonly EngineEvent[]) => ev.filter((e): e is Extract<EngineEvent, { type: 'decision' }> => e.type === 'decision');
/** A New York date (the exchange's day) of an instant, as YYYY-MM-DD. */
const nyDate = (ms: number) => new Date(ms).toLocaleDateString('en-CA', { timeZone: 'America/New_York' });

describe('daily schedule', () => {
  it('decides once per trading day over the GOOG daily bars, and each order fills at the next bar open plus the modelled costs', async () => {
    const r = await backtest(bars, NY);
    const d = decisions(r.events);
    // One decision per bar, and no two on the same exchange day.
    expect(d.map((e) => e.payload.barTime)).toEqual(Array.from(bars.time));
    const days = d.map((e) => nyDate(dailyDecisionTime(e.payload.barTime, NY)));
    expect(new Set(days).size).toBe(d.length);
    // A bar of date D (stamped 00:00 UTC) is decided at 16:10 in New York on D: 20:10 UTC in summer, 21:10 in winter.
    const july = bars.time.findIndex((t) => t === Date.UTC(2005, 6, 5));
    const january = bars.time.findIndex((t) => t === Date.UTC(2005, 0, 4));
    expect(dailyDecisionTime(bars.time[july], NY)).toBe(Date.UTC(2005, 6, 5, 20, 10));
    expect(dailyDecisionTime(bars.time[january], NY)).toBe(Date.UTC(2005, 0, 4, 21, 10));

    const orders = d.filter((e) => e.payload.clientOrderId);
    expect(orders.length).toBeGreaterThan(20);
    const fills = new Map(r.events.filter((e) => e.type === 'order.filled').map((e) => [(e.payload as { clientOrderId: string }).clientOrderId, e.payload as { price: number; side: 1 | -1; volumeUnits: number; commissionCents: number }]));
    let checked = 0;
    for (const o of orders) {
      const i = bars.time.indexOf(o.payload.barTime);
      if (i + 1 >= bars.time.length) continue; // the last bar has no next open
      const fill = fills.get(o.payload.clientOrderId!)!;
      expect(fill, o.payload.clientOrderId).toBeDefined();
      const open = bars.open[i + 1];
      // Bars are bids: a buy pays the 3-cent spread and 2 cents of slippage, a sell gives up the 2 cents; GOOG prices have 2 decimals.
      const expected = fill.side === 1 ? Math.round((open + 0.05) * 100) / 100 : Math.round((open - 0.02) * 100) / 100;
      expect(fill.price).toBe(expected);
      expect(fill.commissionCents).toBe(Math.round(fill.price * fill.volumeUnits * 0.001 * 100));
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('skips days with no bar: a holiday in the data has no decision, and the order of the day before fills at the open after it', async () => {
    // Labor Day 2004 (Monday 6 September) is not in the data: Friday 3 September is followed by Tuesday 7.
    const friday = bars.time.indexOf(Date.UTC(2004, 8, 3));
    expect(bars.time[friday + 1]).toBe(Date.UTC(2004, 8, 7));
    // A gap of our own: Wednesday 20 April 2005 taken out, as if the exchange had been closed.
    const cut = bars.time.indexOf(Date.UTC(2005, 3, 20));
    const gapped = seriesFromBars('GOOG', 'D1', Array.from(bars.time, (_, i) => barAt(bars, i)).filter((_, i) => i !== cut));
    const full = decisions((await backtest(bars, NY)).events);
    const gap = decisions((await backtest(gapped, NY)).events);
    expect(gap.length).toBe(full.length - 1);
    expect(gap.some((e) => e.payload.barTime === Date.UTC(2005, 3, 20))).toBe(false);
    expect(new Set(gap.map((e) => nyDate(dailyDecisionTime(e.payload.barTime, NY)))).has('2005-04-20')).toBe(false);
    // Every order still fills at the open of the next bar there is (across the holiday and the gap).
    const r = await backtest(gapped, NY);
    const opens = new Map(Array.from(gapped.time, (t, i) => [t, i]));
    for (const o of decisions(r.events).filter((e) => e.payload.clientOrderId)) {
      const i = opens.get(o.payload.barTime)!;
      const fill = r.events.find((e) => e.type === 'order.filled' && (e.payload as { clientOrderId: string }).clientOrderId === o.payload.clientOrderId);
      if (i + 1 < gapped.time.length) expect(fill?.time, o.payload.clientOrderId).toBe(gapped.time[i + 1] + DAY);
    }
  });

  it('decides a second bar of the same trading day not at all, in words', async () => {
    // Irregular data: a second bar at 12:00 UTC on 5 January 2005 belongs to the same decision day.
    const i = bars.time.indexOf(Date.UTC(2005, 0, 5));
    const list: Bar[] = Array.from(bars.time, (_, k) => barAt(bars, k)).slice(0, i + 1);
    list.push({ ...barAt(bars, i), time: Date.UTC(2005, 0, 5, 12) });
    const r = await backtest(seriesFromBars('GOOG', 'D1', list), { kind: 'daily', at: '00:30' });
    const last = decisions(r.events).at(-1)!;
    expect(last.payload.barTime).toBe(Date.UTC(2005, 0, 5, 12));
    expect(last.payload.action).toBe('skip');
    expect(last.payload.reason).toBe('skipped: already decided on 2005-01-06 (once a day, daily@00:30)');
  });

  it('decides the same in a backtest and a replay of the same bars, bit for bit', async () => {
    const bt = decisions((await backtest(bars, NY)).events);
    const store = createMemoryStore();
    const host = await WorkspaceHost.open({
      store,
      timers: { sleep: () => new Promise((r) => setTimeout(r, 0)) },
      wallClock,
      owner: 'relay',
      loadModel: loadModelNode,
      seed: async () => ({
        bars: [bars],
        models: [],
        init: { kind: 'workspace.init', account: { initialCash: 100_000, leverage: 1, costs: COSTS }, feed: { kind: 'replay', series: [{ symbol: 'GOOG', timeframe: 'D1' }] } },
        commands: [{ kind: 'agent.create', config: { ...agent(NY), symbols: ['GOOG'], timeframe: 'D1' } }],
      }),
      replaySpeed: 1e12,
      maxWaitMs: 0,
    });
    await host.start();
    await until(host, (s) => s.feed.state === 'finished');
    await host.stop();
    const replay = decisions((await store.events.since(0)) as EngineEvent[]);
    expect(replay.length).toBe(bt.length);
    expect(JSON.stringify(replay.map(({ id, type, agentId, time, payload }) => ({ id, type, agentId, time, payload })))).toBe(JSON.stringify(bt.map(({ id, type, agentId, time, payload }) => ({ id, type, agentId, time, payload }))));
  }, 60_000);

  it('reads an old atUtc record as the same schedule in UTC: it rebuilds as it ran', async () => {
    const legacy = { kind: 'daily', atUtc: '22:05' } as const;
    expect(agentConfigProblems({ ...agent(legacy), symbols: ['GOOG'], timeframe: 'D1' } as AgentConfig)).toEqual([]);
    expect(formatSchedule(legacy)).toBe('daily@22:05');
    const a = decisions((await backtest(bars, legacy)).events);
    const b = decisions((await backtest(bars, { kind: 'daily', at: '22:05' })).events);
    // Daily decisions on complete bars are the ones every-bar makes on D1 bars: an old record decides as it always did.
    const c = decisions((await backtest(bars, undefined)).events);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).toBe(JSON.stringify(c));
  });

  it('reads the zone form and writes it back', () => {
    expect(parseSchedule('daily@16:10/America/New_York')).toEqual({ kind: 'daily', at: '16:10', timeZone: 'America/New_York' });
    expect(parseSchedule(' daily@09:00 ')).toEqual({ kind: 'daily', at: '09:00' });
    expect(parseSchedule('every-bar')).toEqual({ kind: 'every-bar' });
    expect(formatSchedule({ kind: 'daily', at: '16:10', timeZone: 'America/New_York' })).toBe('daily@16:10/America/New_York');
    expect(formatSchedule({ kind: 'daily', at: '16:10', timeZone: 'UTC' })).toBe('daily@16:10');
    // 00:30 UTC waits half an hour after a UTC-midnight close; 23:00 UTC comes an hour before it.
    expect(dailyDecisionTime(Date.UTC(2024, 0, 2), { kind: 'daily', at: '00:30' })).toBe(Date.UTC(2024, 0, 3, 0, 30));
    expect(dailyDecisionTime(Date.UTC(2024, 0, 2), { kind: 'daily', at: '23:00' })).toBe(Date.UTC(2024, 0, 2, 23));
    // Tokyo 06:00 is 21:00 UTC the day before the bar closes.
    expect(dailyDecisionTime(Date.UTC(2024, 0, 2), { kind: 'daily', at: '06:00', timeZone: 'Asia/Tokyo' })).toBe(Date.UTC(2024, 0, 2, 21));
  });

  it('refuses bad schedules with words naming what is wrong', () => {
    expect(parseSchedule('daily@25:00')).toBe('schedule "daily@25:00": the daily time must be HH:MM, 00:00 to 23:59 (got "25:00")');
    expect(parseSchedule('daily@4pm')).toMatch(/the daily time must be HH:MM/);
    expect(parseSchedule('daily@16:10/Mars/Olympus')).toMatch(/the daily time zone "Mars\/Olympus" is not a known IANA zone/);
    expect(parseSchedule('weekly@16:10')).toMatch(/must be every-bar or daily@HH:MM\[\/Area\/City\]/);
    expect(parseSchedule('daily')).toMatch(/must be every-bar or daily@HH:MM/);
    const h1 = { ...agent(NY), symbols: ['EURUSD'], timeframe: 'H1' } as AgentConfig;
    expect(agentConfigProblems(h1)).toEqual(['a once-a-day schedule is for daily-bar agents (this one trades H1 bars)']);
    const badZone = { ...agent({ kind: 'daily', at: '16:10', timeZone: 'Nowhere' }), symbols: ['GOOG'], timeframe: 'D1' } as AgentConfig;
    expect(agentConfigProblems(badZone)[0]).toMatch(/^the daily time zone "Nowhere" is not a known IANA zone/);
  });
});
