import { describe, expect, it } from 'vitest';
import { runBacktest, type BacktestConfig, type BacktestResult } from '../../workers/backtest/run-backtest.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { NO_COSTS } from '../../workers/market/costs.ts';
import { ReplayFeed } from '../../workers/market/feed.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { createPaperSession } from '../../workers/engine/paper-session.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import { SimulatedClock, type Timers } from '../../workers/trading/clock.ts';
import type { DecisionPayload, EngineEvent, EngineEventOf } from '../../workers/trading/events.ts';
import { NO_LIMITS, type RiskConfig, type RiskLimits } from '../../workers/risk/limits.ts';
import { nextDayStart, tradingDay } from '../../workers/risk/trading-day.ts';
import type { RiskRule, RiskView } from '../../workers/risk/rule.ts';
import { dailyLossRule } from '../../workers/risk/rules/breaker-daily-loss.ts';
import { drawdownRule } from '../../workers/risk/rules/breaker-drawdown.ts';
import { bundled } from '../helpers/bundled.ts';

// The circuit breakers on the bundled real EURUSD hours with the demo sma-cross agent.
// Expected trips are computed here from the run without limits (its equity curve and
// trades): until a breaker trips, a run with it is that run, so its first trip is known.

const eurusd = bundled('EURUSD');
const instrument = (s: string) => KNOWN_INSTRUMENTS[s];
const base: BacktestConfig = { series: [eurusd], agent: { ...DEMO_AGENT }, ...DEMO_ACCOUNT, instrument };
const riskOf = (limits: Partial<RiskLimits>, timeZone = 'UTC'): RiskConfig => ({ limits: { ...NO_LIMITS, ...limits }, timeZone, groups: {} });
const run = (limits: Partial<RiskLimits>, timeZone = 'UTC', cfg: Partial<BacktestConfig> = {}) => runBacktest({ ...base, ...cfg, risk: riskOf(limits, timeZone) });
const unlimited = runBacktest(base);

type StateEvent = EngineEventOf<'risk.state'>;
const statesOf = (events: readonly EngineEvent[]) => events.filter((e): e is StateEvent => e.type === 'risk.state');
const decisionsOf = (events: readonly EngineEvent[]) => events.flatMap((e) => (e.type === 'decision' ? [{ time: e.time, agentId: e.agentId, ...e.payload }] : []));
type Decision = DecisionPayload & { time: number; agentId: string };
const isEntry = (d: Decision) => d.action === 'enter' || d.action === 'reverse';
const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The first bar where the account's equity is `limitPct` % below the day's start: the equity last marked before the day's boundary in `tz`. */
function firstDailyBreach(r: BacktestResult, limitPct: number, tz: string) {
  const { time, equity } = r.equity;
  let day = NaN;
  let start = NaN;
  for (let i = 0; i < time.length; i++) {
    const d = tradingDay(time[i], tz);
    if (d !== day) [day, start] = [d, equity[Math.max(0, i - 1)]];
    const lossPct = ((start - equity[i]) / start) * 100;
    if (lossPct >= limitPct) return { time: time[i], lossPct, start };
  }
  throw new Error(`the data never loses ${limitPct}% in a day (${tz})`);
}

/** The first bar where equity is `limitPct` % below its peak so far (the account's initial cash included). */
function firstDrawdownBreach(r: BacktestResult, limitPct: number) {
  let peak = base.initialCash;
  for (let i = 0; i < r.equity.time.length; i++) {
    peak = Math.max(peak, r.equity.equity[i]);
    const ddPct = ((peak - r.equity.equity[i]) / peak) * 100;
    if (ddPct >= limitPct) return { time: r.equity.time[i], ddPct, peak };
  }
  throw new Error(`the data never draws down ${limitPct}%`);
}

/** Pairs each trip with the auto-resume that ended it (or the end of the run). */
function windows(states: StateEvent[], code: string, scope = 'account'): { from: number; to: number; trip: StateEvent }[] {
  const mine = states.filter((s) => (scope === 'account' ? s.payload.scope === 'account' : s.agentId === scope));
  const out: { from: number; to: number; trip: StateEvent }[] = [];
  for (let i = 0; i < mine.length; i++) {
    if (mine[i].payload.code !== code) continue;
    const end = mine.slice(i + 1).find((s) => s.payload.state === 'active');
    out.push({ from: mine[i].time, to: end ? end.time : Infinity, trip: mine[i] });
  }
  return out;
}

describe('daily loss breaker', () => {
  it('halts the account at the limit with the numbers, skips every decision while halted, and resumes at the next UTC midnight', async () => {
    const expected = firstDailyBreach(await unlimited, 2.6, 'UTC');
    const r = await run({ maxDailyLossPct: 2.6 });
    const [trip, resume] = statesOf(r.events);
    expect(trip.time).toBe(expected.time);
    expect(trip.payload).toMatchObject({ scope: 'account', state: 'halted', previous: 'active', code: 'daily-loss-limit', by: 'rule:breaker-daily-loss' });
    expect(trip.payload.reason).toBe(`day's loss ${expected.lossPct.toFixed(2)}% of starting equity ${money(expected.start)} reached the 2.6% limit`);
    // Next UTC midnight, worked out by hand: the day boundary defaults to UTC.
    expect(trip.payload.resumeAt).toBe((Math.floor(trip.time / 86_400_000) + 1) * 86_400_000);

    // Before the trip the run is the run without limits, decision for decision.
    const before = (ds: Decision[]) => JSON.stringify(ds.filter((d) => d.time < trip.time));
    expect(before(decisionsOf(r.events))).toBe(before(decisionsOf((await unlimited).events)));

    const halted = decisionsOf(r.events).filter((d) => d.time >= trip.time && d.time < resume.time);
    expect(halted.length).toBeGreaterThan(2);
    for (const d of halted) expect(d.reason).toBe(`skipped: trading halted (${trip.payload.reason})`);

    // The first bar at or after midnight resumes it, and entries come back.
    expect(resume.payload).toMatchObject({ scope: 'account', state: 'active', previous: 'halted', code: 'auto-resume', by: 'schedule', resumeAt: null });
    expect(resume.time).toBe(r.equity.time.find((t) => t >= trip.payload.resumeAt!));
    expect(decisionsOf(r.events).filter((d) => d.time >= resume.time).some(isEntry)).toBe(true);
    expect(r.events.some((e) => e.type === 'order.intent' && e.payload.purpose === 'open' && e.time > trip.time && e.time < resume.time)).toBe(false);
  });

  it('stays halted to the end of the data when resume is manual', async () => {
    const r = await run({ maxDailyLossPct: 2.6, resume: 'manual' });
    const states = statesOf(r.events);
    expect(states.length).toBe(1);
    const [trip] = states;
    expect(trip.payload).toMatchObject({ state: 'halted', code: 'daily-loss-limit', resumeAt: null });
    const after = decisionsOf(r.events).filter((d) => d.time >= trip.time);
    expect(after.length).toBeGreaterThan(1000); // months of bars left, none traded
    expect(after.every((d) => d.reason.startsWith('skipped: trading halted (day'))).toBe(true);
    expect(r.events.some((e) => e.type === 'order.intent' && e.time > trip.time && e.payload.purpose === 'open')).toBe(false);
    expect(r.trades.length).toBeLessThan((await unlimited).trades.length / 2);
  });

  it('set to reducing, refuses entries (a reversal only exits) until the next day, and opens nothing meanwhile', async () => {
    const r = await run({ maxDailyLossPct: 2, dailyLossAction: 'reducing' });
    const w = windows(statesOf(r.events), 'daily-loss-limit');
    expect(w.length).toBeGreaterThan(2);
    expect(w.every((x) => x.trip.payload.state === 'reducing' && x.to === r.equity.time.find((t) => t >= x.trip.payload.resumeAt!))).toBe(true);
    const inside = (t: number) => w.some((x) => t >= x.from && t < x.to);
    const ds = decisionsOf(r.events).filter((d) => inside(d.time));
    expect(ds.some(isEntry)).toBe(false);
    const refused = ds.filter((d) => d.reason.includes('entry skipped: trading reducing (day') || d.reason.startsWith('skipped: trading reducing (day'));
    expect(refused.length).toBeGreaterThan(0);
    expect(r.events.some((e) => e.type === 'position.opened' && inside(e.time) && !inside(e.time - 3_600_000))).toBe(false);
  });

  it('takes its day boundary from the configured time zone', async () => {
    const none = await unlimited;
    for (const tz of ['Asia/Tokyo', 'America/New_York']) {
      const expected = firstDailyBreach(none, 2.6, tz);
      const [trip] = statesOf((await run({ maxDailyLossPct: 2.6 }, tz)).events);
      expect(trip.time).toBe(expected.time);
      expect(trip.payload.resumeAt).toBe(nextDayStart(trip.time, tz));
      expect(trip.time).not.toBe(firstDailyBreach(none, 2.6, 'UTC').time);
    }
    // Tokyo is UTC+9 all year: its midnight is 15:00 UTC.
    const [tokyo] = statesOf((await run({ maxDailyLossPct: 2.6 }, 'Asia/Tokyo')).events);
    expect(new Date(tokyo.payload.resumeAt!).toISOString().slice(11)).toBe('15:00:00.000Z');
  });

  it('judges an agent with its own limit on its own P&L since the day began, and leaves the account and other agents trading', async () => {
    const a: AgentConfig = { ...DEMO_AGENT, id: 'capped', risk: { maxDailyLossPct: 1.5 } };
    const b: AgentConfig = { ...DEMO_AGENT, id: 'free', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 5, slow: 20, longOnly: false } } };
    const { events } = await session([a, b], riskOf({}));
    const states = statesOf(events);
    expect(states.length).toBeGreaterThan(0);
    expect(states.every((s) => s.agentId === 'capped' && s.payload.scope === 'agent')).toBe(true);
    const w = windows(states, 'daily-loss-limit', 'capped');
    expect(w.length).toBeGreaterThan(0);
    for (const x of w) {
      const m = /^agent capped's loss today (\d+\.\d\d)% of its starting capital [\d,]+\.\d\d reached its 1\.5% limit$/.exec(x.trip.payload.reason);
      expect(m && Number(m[1])).toBeGreaterThanOrEqual(1.5);
    }
    const inside = (t: number) => w.some((x) => t >= x.from && t < x.to);
    const ds = decisionsOf(events).filter((d) => inside(d.time));
    expect(ds.filter((d) => d.agentId === 'capped').every((d) => d.reason.startsWith('skipped: trading halted (agent capped'))).toBe(true);
    expect(ds.filter((d) => d.agentId === 'free').some((d) => !d.reason.startsWith('skipped'))).toBe(true);
  });

  it('measures an agent alone on the day exactly as the account (no costs): an overnight position brings only its move since midnight', async () => {
    const account = await run({ maxDailyLossPct: 1.5 }, 'UTC', { costs: NO_COSTS });
    const agent = await run({}, 'UTC', { costs: NO_COSTS, agent: { ...DEMO_AGENT, risk: { maxDailyLossPct: 1.5 } } });
    const [x] = statesOf(account.events);
    const [y] = statesOf(agent.events);
    expect(y.payload.scope).toBe('agent');
    expect(y.time).toBe(x.time);
    const pct = (s: StateEvent) => /(\d+\.\d\d)%/.exec(s.payload.reason)![1];
    expect(pct(y)).toBe(pct(x));
  });
});

describe('drawdown breaker', () => {
  it('halts the account at the fall from peak equity and never resumes on its own, even with resume next-day', async () => {
    const expected = firstDrawdownBreach(await unlimited, 8);
    const r = await run({ maxDrawdownPct: 8, resume: 'next-day' });
    const states = statesOf(r.events);
    expect(states.length).toBe(1);
    const [trip] = states;
    expect(trip.time).toBe(expected.time);
    expect(trip.payload).toMatchObject({ scope: 'account', state: 'halted', code: 'max-drawdown', by: 'rule:breaker-drawdown', resumeAt: null });
    expect(trip.payload.reason).toMatch(new RegExp(`^equity [\\d,]+\\.\\d\\d is ${expected.ddPct.toFixed(2)}% below its peak ${money(expected.peak)}: the 8% drawdown limit is reached; resume by hand$`));
    const after = decisionsOf(r.events).filter((d) => d.time >= trip.time);
    expect(after.length).toBeGreaterThan(1000);
    expect(after.every((d) => d.reason === `skipped: trading halted (${trip.payload.reason})`)).toBe(true);
  });

  it('trips again at the next bar when a trader resumes it by hand while the fall stands, though the book is flat and equity has not moved', async () => {
    // The breakers are judged only when what they read moves: a resume by hand is such a move, equity standing still or not.
    const clock = new SimulatedClock(eurusd.time[0]);
    const s = createPaperSession({ clock, ...DEMO_ACCOUNT, instrument, risk: riskOf({ maxDrawdownPct: 8 }) });
    s.engine.addAgent({ ...DEMO_AGENT, symbols: ['EURUSD'], timeframe: 'H1' });
    let resumedAt = NaN;
    const equity: number[] = [];
    await new ReplayFeed([eurusd], { speed: Infinity, clock }).run((sym, tf, bar) => {
      s.engine.onBar(sym, tf, bar);
      const halted = s.engine.risk.stateOf('account').state === 'halted';
      const flat = s.broker.positions().length === 0 && s.broker.pendingOrders().length === 0;
      if (!Number.isNaN(resumedAt) && equity.length < 2) equity.push(s.broker.account().equity);
      if (Number.isNaN(resumedAt) && halted && flat) {
        expect(s.engine.risk.setState('account', 'active', 'manual-resume', 'resumed by hand', 'user')).toBe(true);
        resumedAt = clock.now();
        equity.push(s.broker.account().equity);
      }
    });
    const states = statesOf(s.journal.events);
    const i = states.findIndex((e) => e.payload.code === 'manual-resume');
    expect(i).toBeGreaterThan(0);
    const [trip, resume, again] = states.slice(i - 1);
    expect(resume.time).toBe(resumedAt);
    expect(again.payload).toMatchObject({ scope: 'account', state: 'halted', previous: 'active', code: 'max-drawdown', reason: trip.payload.reason });
    expect(again.time).toBe(resumedAt + 3_600_000);
    expect(equity[1]).toBe(equity[0]);
    expect(states.length).toBe(i + 2);
  });

  it('set to reducing, lets positions close but opens none', async () => {
    const r = await run({ maxDrawdownPct: 8, drawdownAction: 'reducing' });
    const [trip] = statesOf(r.events);
    expect(trip.payload).toMatchObject({ state: 'reducing', code: 'max-drawdown' });
    const after = decisionsOf(r.events).filter((d) => d.time >= trip.time);
    expect(after.some(isEntry)).toBe(false);
    expect(after.some((d) => d.reason.includes('trading reducing (equity'))).toBe(true);
    expect(r.events.some((e) => e.type === 'position.opened' && e.time > trip.time + 3_600_000)).toBe(false);
  });
});

describe('loss streak breaker', () => {
  it('sets the agent to reducing after its 5th loss in a row and resumes it the next day', async () => {
    const closes = (await unlimited).events.filter((e): e is EngineEventOf<'position.closed'> => e.type === 'position.closed');
    let n = 0;
    const k = closes.findIndex((c) => (n = c.payload.netPnlCents < 0 ? n + 1 : 0) === 5);
    const r = await run({ maxConsecutiveLosses: 5 });
    const [trip, resume] = statesOf(r.events);
    expect(trip.time).toBe(closes[k].time);
    expect(trip.agentId).toBe(DEMO_AGENT.id);
    expect(trip.payload).toMatchObject({ scope: 'agent', state: 'reducing', code: 'loss-streak', by: 'rule:breaker-losses', resumeAt: nextDayStart(closes[k].time, 'UTC') });
    const lostCents = -closes.slice(k - 4, k + 1).reduce((s, c) => s + c.payload.netPnlCents, 0);
    expect(trip.payload.reason).toBe(`5 losing trades in a row (${money(lostCents / 100)} lost) reached the limit of 5`);
    expect(resume.payload.code).toBe('auto-resume');
    const inside = decisionsOf(r.events).filter((d) => d.time >= trip.time && d.time < resume.time);
    expect(inside.some(isEntry)).toBe(false);
    expect(decisionsOf(r.events).some((d) => d.reason.includes('trading reducing (5 losing trades in a row'))).toBe(true);
    expect(decisionsOf(r.events).filter((d) => d.time >= resume.time).some(isEntry)).toBe(true);
  });

  it('halts when so configured, and counts only the agent\'s own trades', async () => {
    const r = await run({ maxConsecutiveLosses: 5, lossesAction: 'halted', resume: 'manual' });
    const states = statesOf(r.events);
    expect(states.length).toBe(1);
    expect(states[0].payload).toMatchObject({ state: 'halted', code: 'loss-streak', resumeAt: null });
    const a: AgentConfig = { ...DEMO_AGENT, id: 'streaky', risk: { maxConsecutiveLosses: 5 } };
    const b: AgentConfig = { ...DEMO_AGENT, id: 'other', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 5, slow: 20, longOnly: false } } };
    const two = statesOf((await session([a, b], riskOf({}))).events);
    expect(two.length).toBeGreaterThan(0);
    expect(two.every((s) => s.agentId === 'streaky')).toBe(true);
  });
});

describe('breakers in a replay', () => {
  it('trip, resume and decide in a paced replay exactly as in the backtest', async () => {
    const risk = riskOf({ maxDailyLossPct: 2, maxConsecutiveLosses: 4, maxDrawdownPct: 9, lossesAction: 'halted' });
    const back = await runBacktest({ ...base, risk });
    const codes = new Set(statesOf(back.events).map((s) => s.payload.code));
    expect([...codes].sort()).toEqual(['auto-resume', 'daily-loss-limit', 'loss-streak', 'max-drawdown']);

    const waits: number[] = [];
    const timers: Timers = { sleep: async (ms) => void waits.push(ms) };
    const replay = await session([{ ...DEMO_AGENT }], risk, timers);
    const strip = (events: readonly EngineEvent[]) => JSON.stringify(events.filter((e) => e.type !== 'agent.status'));
    expect(strip(replay.events)).toBe(strip(back.events));
    expect(waits.length).toBe(eurusd.time.length - 1);
  });
});

/** Agents in one paper session replaying the bundled EURUSD (paced by `timers` when given). */
async function session(agents: AgentConfig[], risk: RiskConfig, timers?: Timers) {
  const clock = new SimulatedClock(eurusd.time[0]);
  const s = createPaperSession({ clock, ...DEMO_ACCOUNT, instrument, risk });
  for (const a of agents) s.engine.addAgent({ ...a, symbols: ['EURUSD'], timeframe: 'H1' });
  const feed = new ReplayFeed([eurusd], timers ? { speed: 3600, clock, timers, maxWaitMs: 5000 } : { speed: Infinity, clock });
  await feed.run((sym, tf, bar) => s.engine.onBar(sym, tf, bar));
  return { ...s, events: s.journal.events };
}

describe('breaker quiet bands', () => {
  // The engine skips the breakers while the account stays inside the band they give: the band must end
  // exactly where their own test starts to trip (checked at the edge and one double past it).
  const f64 = new Float64Array(1);
  const i64 = new BigInt64Array(f64.buffer);
  const step = (x: number, up: boolean) => {
    f64[0] = x;
    i64[0] += (x > 0) === up ? 1n : -1n;
    return f64[0];
  };
  function fakeView(limits: Partial<RiskLimits>, start: number, equity: number, drawdown: number): RiskView {
    const config = riskOf(limits);
    return {
      config,
      agents: () => [],
      limits: () => config.limits,
      state: () => 'active',
      now: () => 0,
      dayStartEquity: () => start,
      account: () => ({ balanceCents: equity * 100, equity, usedMargin: 0, freeMargin: equity, peakEquity: equity / (1 - drawdown), drawdown, leverage: 30 }),
    } as Partial<RiskView> as RiskView;
  }
  const tripped = (rule: RiskRule, v: RiskView) => {
    let n = 0;
    rule.afterStep!(v, { setState: () => void n++, lock: () => {} });
    return n > 0;
  };

  it('the day\'s loss: nothing at or above the band\'s equity, a trip one double below its lower edge', () => {
    for (const [start, max] of [[10_000, 3], [9_743.37, 2.6], [10_000, 100], [123_456.789, 0.01], [0.5, 50], [1e9, 99.99]]) {
      const band = dailyLossRule.quietBand!(fakeView({ maxDailyLossPct: max }, start, start, 0));
      expect(band.drawdownTo).toBe(Infinity);
      expect(tripped(dailyLossRule, fakeView({ maxDailyLossPct: max }, start, band.equityFrom, 0))).toBe(false);
      expect(tripped(dailyLossRule, fakeView({ maxDailyLossPct: max }, start, start * 2, 0))).toBe(false);
      // Tight: within 2^-48 of the first bracket of the edge, so below it by a hair the breaker trips.
      const below = band.equityFrom - Math.max(1e-9, Math.abs(band.equityFrom) * 1e-12);
      expect(tripped(dailyLossRule, fakeView({ maxDailyLossPct: max }, start, below, 0))).toBe(true);
    }
    expect(dailyLossRule.quietBand!(fakeView({}, 10_000, 10_000, 0)).equityFrom).toBe(-Infinity);
    expect(dailyLossRule.quietBand!(fakeView({ maxDailyLossPct: 3 }, 0, 10_000, 0)).equityFrom).toBe(-Infinity);
  });

  it('the drawdown: nothing at or below the band\'s drawdown, a trip one double above it where the edge is met exactly', () => {
    for (const limit of [8, 2, 15, 50, 100, 33.3, 0.1]) {
      const band = drawdownRule.quietBand!(fakeView({ maxDrawdownPct: limit }, 10_000, 10_000, 0));
      expect(band.equityFrom).toBe(-Infinity);
      expect(tripped(drawdownRule, fakeView({ maxDrawdownPct: limit }, 10_000, 10_000, band.drawdownTo))).toBe(false);
      expect(tripped(drawdownRule, fakeView({ maxDrawdownPct: limit }, 10_000, 10_000, step(band.drawdownTo, true)))).toBe(true);
    }
    expect(drawdownRule.quietBand!(fakeView({}, 10_000, 10_000, 0)).drawdownTo).toBe(Infinity);
  });
});
