import { describe, expect, it } from 'vitest';
import { runBacktest, type BacktestConfig } from '../../workers/backtest/run-backtest.ts';
import { NO_COSTS } from '../../workers/market/costs.ts';
import { SimulatedClock, type Timers } from '../../workers/trading/clock.ts';
import { createPaperSession } from '../../workers/engine/paper-session.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import type { DecisionPayload, EngineEvent } from '../../workers/trading/events.ts';
import { ReplayFeed } from '../../workers/market/feed.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { sliceSeries, barAt } from '../../workers/market/bar.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { bundled } from '../helpers/bundled.ts';
import { RULE_STRATEGIES } from '../../workers/strategies/index.ts';

const eurusd = bundled('EURUSD');
const instrument = (s: string) => KNOWN_INSTRUMENTS[s];
const agent: Omit<AgentConfig, 'symbols' | 'timeframe'> = { ...DEMO_AGENT };

function decisions(events: readonly EngineEvent[]): DecisionPayload[] {
  return events.flatMap((e) => (e.type === 'decision' ? [e.payload] : []));
}

function session(series = eurusd) {
  const clock = new SimulatedClock(series.time[0]);
  const s = createPaperSession({ clock, ...DEMO_ACCOUNT, instrument });
  s.engine.addAgent({ ...DEMO_AGENT, symbols: [series.symbol], timeframe: series.timeframe });
  return { clock, ...s };
}

describe('one loop for backtest and replay', () => {
  it('gives the same events, bit for bit, in a backtest, a paced replay and a second backtest', async () => {
    const series = sliceSeries(eurusd, 0, 1500);
    const cfg: BacktestConfig = { series: [series], agent, initialCash: DEMO_ACCOUNT.initialCash, leverage: DEMO_ACCOUNT.leverage, costs: DEMO_ACCOUNT.costs, instrument };
    const a = await runBacktest(cfg);
    const b = await runBacktest(cfg);
    expect(JSON.stringify(b.events)).toBe(JSON.stringify(a.events));

    // The paced replay waits on (fake) timers between bars; only pacing differs.
    const waits: number[] = [];
    const timers: Timers = { sleep: async (ms) => void waits.push(ms) };
    const { clock, engine, journal } = session(series);
    const feed = new ReplayFeed([series], { speed: 3600, clock, timers, maxWaitMs: 5000 });
    await feed.run((sym, tf, bar) => engine.onBar(sym, tf, bar));
    const replayed = journal.events.filter((e) => e.type !== 'agent.status');
    expect(JSON.stringify(replayed)).toBe(JSON.stringify(a.events.filter((e) => e.type !== 'agent.status')));
    expect(waits.length).toBe(series.time.length - 1);
    expect(waits[0]).toBe(1000); // one hour at 3600x
    expect(Math.max(...waits)).toBe(5000); // weekends capped
    expect(a.trades.length).toBeGreaterThan(5);
  });

  it('records exactly one decision per bar, with a reason, and ignores a bar it already took', () => {
    const series = sliceSeries(eurusd, 0, 300);
    const { engine, journal, clock } = session(series);
    for (let i = 0; i < 300; i++) {
      clock.advanceTo(series.time[i] + 3_600_000);
      engine.onBar('EURUSD', 'H1', barAt(series, i));
      engine.onBar('EURUSD', 'H1', barAt(series, i)); // a duplicate delivery (reconnect, replay)
    }
    const d = decisions(journal.events);
    expect(d.length).toBe(300);
    expect(new Set(journal.events.map((e) => e.id)).size).toBe(journal.events.length);
    expect(d.every((x) => x.reason.length > 0)).toBe(true);
    expect(d[0].reason).toMatch(/^skipped: warming up \(1 of 31 bars\)$/);
    expect(d.some((x) => x.action === 'enter')).toBe(true);
  });

  it('warms up on history without deciding or ordering, then decides on the next bar exactly as a run that traded through', () => {
    const series = sliceSeries(eurusd, 0, 400);
    const through = session(series);
    const warm = session(series);
    for (let i = 0; i < 400; i++) {
      for (const x of [through, warm]) x.clock.advanceTo(series.time[i] + 3_600_000);
      through.engine.onBar('EURUSD', 'H1', barAt(series, i));
      if (i < 300) warm.engine.warmUp('EURUSD', 'H1', barAt(series, i));
      else warm.engine.onBar('EURUSD', 'H1', barAt(series, i));
    }
    const d = decisions(warm.journal.events);
    expect(d.length).toBe(100);
    expect(warm.journal.events.filter((e) => e.type === 'order.intent' && e.time <= series.time[299] + 3_600_000)).toEqual([]);
    expect(d[0].reason).not.toMatch(/warming up/);
    // Flat after history, the warm agent reads the same indicators as one that traded through those bars.
    const ref = decisions(through.journal.events).find((x) => x.barTime === series.time[300])!;
    expect(d[0].inputs).toEqual(ref.inputs);
  });

  it('holds with "asset locked" while the signal repeats the open position', () => {
    // A strategy that says "long" on every bar: only the first may open a position.
    RULE_STRATEGIES['always-long'] = {
      name: 'always-long',
      description: 'test: long on every bar',
      defaults: {},
      check: () => null,
      create: () => ({ warmup: 1, update() {}, inputs(out) { out.one = 1; }, decide: () => ({ direction: 1, confidence: 1 }) }),
    };
    const series = sliceSeries(eurusd, 0, 40);
    const clock = new SimulatedClock(series.time[0]);
    const { engine, journal } = createPaperSession({ clock, ...DEMO_ACCOUNT, instrument });
    engine.addAgent({ ...DEMO_AGENT, alpha: { kind: 'rule', strategy: 'always-long', params: {} }, trailAtr: null, targetAtr: null, symbols: ['EURUSD'], timeframe: 'H1' });
    for (let i = 0; i < 40; i++) {
      clock.advanceTo(series.time[i] + 3_600_000);
      engine.onBar('EURUSD', 'H1', barAt(series, i));
    }
    delete RULE_STRATEGIES['always-long'];
    const d = decisions(journal.events);
    const firstEntry = d.findIndex((x) => x.action === 'enter');
    expect(firstEntry).toBe(14); // ATR(14) for the stop is ready on the 15th bar
    expect(d.filter((x) => x.action === 'enter').length).toBe(1);
    expect(d[firstEntry + 1].reason).toBe('skipped: asset locked (already long)');
    expect(journal.events.filter((e) => e.type === 'order.intent').length).toBe(1);
  });

  it('skips a decision on a bar with NaN features, names them, and goes on', () => {
    const series = sliceSeries(eurusd, 0, 100);
    const { engine, journal, clock } = session(series);
    for (let i = 0; i < 100; i++) {
      const bar = barAt(series, i);
      if (i === 60) bar.close = NaN;
      clock.advanceTo(series.time[i] + 3_600_000);
      engine.onBar('EURUSD', 'H1', bar);
    }
    const d = decisions(journal.events);
    expect(d[60].action).toBe('skip');
    expect(d[60].reason).toMatch(/^skipped: invalid features: close, sma_10/);
    expect(d.length).toBe(100);
  });
});

describe('sizing and risk', () => {
  it('risks the asked % of equity between entry and stop, rounded down to the volume step', async () => {
    const r = await runBacktest({ series: [sliceSeries(eurusd, 0, 800)], agent: { ...agent, targetAtr: null, trailAtr: null, maxPositionPct: 1e6 }, initialCash: 10_000, leverage: 500, costs: NO_COSTS, instrument });
    const enters = decisions(r.events).filter((d) => d.action === 'enter' || d.action === 'reverse');
    expect(enters.length).toBeGreaterThan(3);
    for (const d of enters) {
      const atr = d.inputs.atr_14;
      expect(d.stopDistance).toBeCloseTo(2 * atr, 12);
      expect(d.volumeUnits! % 1000).toBe(0);
      // equity x 1% / stop distance, floored: never more risk than asked, less by under one step.
      const risk = d.volumeUnits! * d.stopDistance!;
      expect(risk).toBeLessThanOrEqual(10_000 * 0.02 + 1e-6); // equity never doubles in 800 bars here
      expect(risk).toBeGreaterThan(0);
    }
  });

  it('sizes on the agent\'s capital when it is below the account equity, and says why a bad capital is refused', async () => {
    const base = { series: [sliceSeries(eurusd, 0, 800)], initialCash: 10_000, leverage: 500, costs: NO_COSTS, instrument };
    const whole = await runBacktest({ ...base, agent: { ...agent, targetAtr: null, trailAtr: null, maxPositionPct: 1e6 } });
    const quarter = await runBacktest({ ...base, agent: { ...agent, targetAtr: null, trailAtr: null, maxPositionPct: 1e6, capital: 2_500 } });
    const first = (r: typeof whole) => decisions(r.events).find((d) => d.action === 'enter')!;
    expect(first(quarter).barTime).toBe(first(whole).barTime);
    // 1% of 2,500 instead of 1% of 10,000 over the same stop: a quarter of the size, to the volume step.
    expect(first(quarter).volumeUnits).toBe(Math.floor((2_500 * 0.01) / first(quarter).stopDistance! / 1000) * 1000);
    expect(first(quarter).volumeUnits!).toBeLessThan(first(whole).volumeUnits! / 3);
    const { engine } = session();
    expect(engine.agentProblem({ ...DEMO_AGENT, id: 'c', symbols: ['EURUSD'], capital: -5 })).toMatch(/capital must be a positive amount or none \(got -5\)/);
    expect(engine.agentProblem({ ...DEMO_AGENT, id: 'd', symbols: ['EURUSD'], schedule: { kind: 'daily', atUtc: '21:30' } })).toMatch(/once-a-day schedule is for daily-bar agents \(this one trades H1 bars\)/);
  });

  it('caps size at the maximum position and says so; refuses below the minimum volume', async () => {
    const capped = await runBacktest({ series: [sliceSeries(eurusd, 0, 400)], agent: { ...agent, maxPositionPct: 100 }, initialCash: 10_000, leverage: 30, costs: NO_COSTS, instrument });
    const d = decisions(capped.events).find((x) => x.action === 'enter')!;
    expect(d.reason).toMatch(/size capped at 100% of equity/);
    expect(d.volumeUnits! * barClose(d)).toBeLessThanOrEqual(10_000);

    const tiny = await runBacktest({ series: [sliceSeries(eurusd, 0, 400)], agent, initialCash: 50, leverage: 30, costs: NO_COSTS, instrument });
    const s = decisions(tiny.events).find((x) => x.reason.includes('size below minimum'))!;
    expect(s.action).toBe('skip');
    expect(s.reason).toMatch(/units < 1000 units for EURUSD/);
    expect(tiny.trades.length).toBe(0);
  });

  it('moves a trailing stop only in the position’s favour', async () => {
    const r = await runBacktest({ series: [sliceSeries(eurusd, 0, 2000)], agent: { ...agent, trailAtr: 1.5 }, initialCash: 10_000, leverage: 30, costs: NO_COSTS, instrument });
    const amends = r.events.flatMap((e) => (e.type === 'position.amended' ? [e.payload] : []));
    expect(amends.length).toBeGreaterThan(10);
    const sideOf = new Map(r.events.flatMap((e) => (e.type === 'position.opened' ? [[e.payload.positionId, e.payload.side] as const] : [])));
    for (const a of amends) expect(sideOf.get(a.positionId)! * (a.stopLoss! - a.previousStopLoss!)).toBeGreaterThan(0);
    expect(r.trades.some((t) => t.reason === 'stop')).toBe(true);
  });
});

describe('controls', () => {
  it('emergency stop closes every position with reason emergency and halts the account and every agent', () => {
    const series = sliceSeries(eurusd, 0, 400);
    const { engine, journal, clock, broker } = session(series);
    let i = 0;
    for (; i < 400 && broker.positions().length === 0; i++) {
      clock.advanceTo(series.time[i] + 3_600_000);
      engine.onBar('EURUSD', 'H1', barAt(series, i));
    }
    expect(broker.positions().length).toBe(1);
    const plan = engine.emergencyStop();
    expect(plan.close.map((p) => p.id)).toEqual(broker.positions().map((p) => p.id));
    expect(plan.halt).toEqual(['account', DEMO_AGENT.id]);
    const halts = journal.events.flatMap((e) => (e.type === 'risk.state' ? [[e.payload.scope, e.agentId, e.payload.state, e.payload.code]] : []));
    expect(halts).toEqual([['account', '', 'halted', 'emergency-stop'], ['agent', DEMO_AGENT.id, 'halted', 'emergency-stop']]);
    clock.advanceTo(series.time[i] + 3_600_000);
    engine.onBar('EURUSD', 'H1', barAt(series, i++));
    expect(broker.positions().length).toBe(0);
    expect(broker.pendingOrders()).toEqual([]);
    const closed = journal.events.filter((e) => e.type === 'position.closed').at(-1)!;
    expect(closed.type === 'position.closed' && closed.payload.reason).toBe('emergency');
    const before = journal.events.length;
    const from = i;
    for (; i < 400; i++) {
      clock.advanceTo(series.time[i] + 3_600_000);
      engine.onBar('EURUSD', 'H1', barAt(series, i));
    }
    // The agent keeps running, and halted it sends nothing: one skipped decision per bar, saying why.
    const after = journal.events.slice(before);
    expect(after.length).toBe(400 - from);
    expect(after.every((e) => e.type === 'decision' && e.payload.action === 'skip' && e.payload.reason === 'skipped: trading halted (emergency stop)')).toBe(true);
    expect(engine.listAgents().every((a) => a.status === 'running' && engine.risk.effectiveState(a.config.id).state === 'halted')).toBe(true);
    expect(engine.risk.stateOf('account').state).toBe('halted');
    expect(broker.positions()).toEqual([]);
    expect(broker.pendingOrders()).toEqual([]);
  });
});

function barClose(d: DecisionPayload): number {
  return d.inputs.close;
}
