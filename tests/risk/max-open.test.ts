import { describe, expect, it } from 'vitest';
import { runBacktest, type BacktestConfig } from '../../workers/backtest/run-backtest.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { NO_COSTS } from '../../workers/market/costs.ts';
import { resample } from '../../workers/market/resample.ts';
import { ReplayFeed } from '../../workers/market/feed.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { createPaperSession } from '../../workers/engine/paper-session.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import { SimulatedClock } from '../../workers/trading/clock.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { NO_LIMITS, type RiskConfig, type RiskLimits } from '../../workers/risk/limits.ts';
import { bundled } from '../helpers/bundled.ts';

// Maximum open positions (rules/max-open.ts), on the bundled real data.

const eurusd = bundled('EURUSD');
const instrument = (s: string) => KNOWN_INSTRUMENTS[s];
const riskOf = (limits: Partial<RiskLimits>): RiskConfig => ({ limits: { ...NO_LIMITS, ...limits }, timeZone: 'UTC', groups: {} });
const decisions = (events: readonly EngineEvent[]) => events.flatMap((e) => (e.type === 'decision' ? [{ agentId: e.agentId, time: e.time, ...e.payload }] : []));
const fast: AgentConfig = { ...DEMO_AGENT, id: 'fast', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 5, slow: 20, longOnly: false } } };

/** Two sma-cross agents on EURUSD in one paper account; counts the open positions after each bar and when each entry is decided. */
async function twoAgents(risk: RiskConfig, agents: AgentConfig[] = [{ ...DEMO_AGENT }, fast]) {
  const clock = new SimulatedClock(eurusd.time[0]);
  const { engine, journal, broker } = createPaperSession({ clock, ...DEMO_ACCOUNT, instrument, risk });
  for (const a of agents) engine.addAgent(a);
  let mostOpen = 0;
  await new ReplayFeed([eurusd], { speed: Infinity, clock }).run((sym, tf, bar) => {
    engine.onBar(sym, tf, bar);
    mostOpen = Math.max(mostOpen, broker.positions().length);
  });
  return { events: journal.events, refusals: engine.risk.refusals(), mostOpen };
}

describe('maximum open positions in the account', () => {
  it('refuses an entry while the account already holds the maximum, naming the numbers', async () => {
    const free = await twoAgents(riskOf({}));
    expect(free.mostOpen).toBe(2); // without the limit both agents hold a position at times
    const capped = await twoAgents(riskOf({ maxOpenPositions: 1 }));
    expect(capped.refusals['max-open']).toBeGreaterThan(20);
    const refused = decisions(capped.events).filter((d) => d.reason.includes('refused by max-open'));
    expect(refused.length).toBe(capped.refusals['max-open']);
    for (const d of refused) {
      // One open (the other agent's, or the one this agent's reversal would close), or two while both hold one.
      const open = Number(/refused by max-open: ([12]) positions are open in the account, the maximum is 1$/.exec(d.reason)?.[1]);
      expect(d.risk).toEqual([{ rule: 'max-open', verdict: 'refuse', code: 'max-open-positions', reason: `${open} positions are open in the account, the maximum is 1`, numbers: { open, limit: 1 } }]);
    }
    // Both agents were refused at some time: the count is the account's.
    expect(new Set(refused.map((d) => d.agentId))).toEqual(new Set(['demo-sma', 'fast']));
    expect(capped.events.filter((e) => e.type === 'position.opened').length).toBeLessThan(free.events.filter((e) => e.type === 'position.opened').length);
  });

  it('applies an agent\'s own override of the account maximum to that agent only', async () => {
    const r = await twoAgents(riskOf({}), [{ ...DEMO_AGENT, risk: { maxOpenPositions: 1 } }, fast]);
    const refused = decisions(r.events).filter((d) => d.reason.includes('refused by max-open'));
    expect(refused.length).toBeGreaterThan(10);
    expect(refused.every((d) => d.agentId === 'demo-sma')).toBe(true);
  });

  it('counts the position a reversal is about to close (docs/RISK.md): under a maximum of 1 a reversal sends only its exit', async () => {
    const cfg: BacktestConfig = { series: [eurusd], agent: { ...DEMO_AGENT }, ...DEMO_ACCOUNT, instrument };
    const free = await runBacktest(cfg);
    const capped = await runBacktest({ ...cfg, risk: riskOf({ maxOpenPositions: 1 }) });
    expect(decisions(free.events).some((d) => d.action === 'reverse')).toBe(true);
    expect(decisions(capped.events).some((d) => d.action === 'reverse')).toBe(false);
    const refused = decisions(capped.events).filter((d) => d.reason.includes('refused by max-open'));
    expect(refused.length).toBe(capped.metrics.refusals['max-open']);
    expect(refused.length).toBeGreaterThan(10);
    for (const d of refused) {
      expect(d.action).toBe('exit');
      expect(d.reason).toMatch(/^exited (long|short); new (short|long) entry skipped: refused by max-open: 1 positions are open in the account, the maximum is 1$/);
    }
  });

  // Known gap, reported: an entry accepted but not yet filled is not counted, so two agents
  // entering on the same bar both pass and the account holds 2 under a maximum of 1.
  // The rule sees only filled positions (RiskView has no pending entries). Turns green when fixed.
  it.fails('never holds more positions than the maximum, even when two agents enter on the same bar', async () => {
    const capped = await twoAgents(riskOf({ maxOpenPositions: 1 }));
    expect(capped.mostOpen).toBe(1);
  });
});

describe('maximum open positions per agent', () => {
  // One agent on two symbols: the bundled GOOG days, then the EURUSD hours as days. With no stop
  // or target the reversal system always holds GOOG, so its last GOOG position is still open when
  // the EURUSD days begin.
  const series = [bundled('GOOG'), resample(eurusd, 'D1')];
  const agent = { ...DEMO_AGENT, sizing: { kind: 'fixed' as const, units: 1000 }, stopAtr: null, targetAtr: null, trailAtr: null };
  const cfg: BacktestConfig = { series, agent, initialCash: 10_000, leverage: 30, costs: NO_COSTS, instrument };

  it('refuses an entry while the agent holds its maximum across its symbols, and names the numbers', async () => {
    const free = await runBacktest(cfg);
    expect(free.openPositions.map((p) => p.symbol).sort()).toEqual(['EURUSD', 'GOOG']);
    // GOOG held + the EURUSD position a reversal would close = 2: the reversal sends only its exit.
    const two = await runBacktest({ ...cfg, risk: riskOf({ maxOpenPerAgent: 2 }) });
    const refused = decisions(two.events).filter((d) => d.reason.includes('refused by max-open'));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBe(two.metrics.refusals['max-open']);
    for (const d of refused) {
      expect(d.symbol).toBe('EURUSD');
      expect(d.reason).toMatch(/refused by max-open: agent demo-sma has 2 open positions, its maximum is 2$/);
      expect(d.risk).toEqual([{ rule: 'max-open', verdict: 'refuse', code: 'max-open-per-agent', reason: 'agent demo-sma has 2 open positions, its maximum is 2', numbers: { open: 2, limit: 2 } }]);
    }
    // GOOG alone never reaches 2: its trades are the free run's.
    const goog = (r: typeof free) => JSON.stringify(r.trades.filter((t) => t.symbol === 'GOOG'));
    expect(goog(two)).toBe(goog(free));
    expect(two.trades.filter((t) => t.symbol === 'EURUSD').length).toBeLessThan(free.trades.filter((t) => t.symbol === 'EURUSD').length);

    const three = await runBacktest({ ...cfg, risk: riskOf({ maxOpenPerAgent: 3 }) });
    expect(three.metrics.refusals).toEqual({});
    expect(JSON.stringify(three.trades)).toBe(JSON.stringify(free.trades));
  });

  it('leaves other agents\' positions out of an agent\'s count (the account\'s count has them)', async () => {
    const perAgent = await twoAgents(riskOf({ maxOpenPerAgent: 2 }));
    expect(perAgent.refusals).toEqual({});
    expect(perAgent.mostOpen).toBe(2);
    const account = await twoAgents(riskOf({ maxOpenPositions: 2 }));
    expect(account.refusals['max-open']).toBeGreaterThan(0);
  });
});
