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
import { bookBefore, closingBefore, inFlightBefore, openBefore, refusedBy, usdeur } from './risk-session.ts';

// Maximum open positions (rules/max-open.ts), on the bundled real data. The count is recomputed from
// the record: open positions (except those whose close is on its way) and entries allowed but not filled
// yet, without the agent's own position or entry in the entry's symbol (an entry there is a reversal:
// its exit goes first). So another symbol's reversal counts once: its new leg, not its old one too.

const eurusd = bundled('EURUSD');
const instrument = (s: string) => KNOWN_INSTRUMENTS[s];
const riskOf = (limits: Partial<RiskLimits>): RiskConfig => ({ limits: { ...NO_LIMITS, ...limits }, timeZone: 'UTC', groups: {} });
const decisions = (events: readonly EngineEvent[]) => events.flatMap((e) => (e.type === 'decision' ? [{ agentId: e.agentId, time: e.time, ...e.payload }] : []));
const fast: AgentConfig = { ...DEMO_AGENT, id: 'fast', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 5, slow: 20, longOnly: false } } };

/**
 * What max-open counts for an entry at the event `at`: positions open and entries on their way, but the agent's
 * own in the entry's symbol; `closing` are the positions left out because their close is on its way.
 */
function countedBefore(events: readonly EngineEvent[], at: number, agentId: string, symbol: string, only?: (p: { agentId: string }) => boolean) {
  const counted = (list: readonly { agentId: string; symbol: string }[]) => list.filter((p) => !(p.agentId === agentId && p.symbol === symbol) && (!only || only(p))).length;
  return { all: counted(bookBefore(events, at)), open: counted(openBefore(events, at)), inFlight: counted(inFlightBefore(events, at)), closing: counted(closingBefore(events, at)) };
}

/** The most positions open at once, from position.opened/closed in the record. */
function mostOpenIn(events: readonly EngineEvent[]): number {
  const open = new Set<string>();
  let most = 0;
  for (const e of events) {
    if (e.type === 'position.opened') open.add(e.payload.positionId);
    if (e.type === 'position.closed') open.delete(e.payload.positionId);
    most = Math.max(most, open.size);
  }
  return most;
}

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
  it('refuses an entry while the account already holds the maximum, open or on their way, naming the numbers', async () => {
    const free = await twoAgents(riskOf({}));
    expect(free.mostOpen).toBe(2); // without the limit both agents hold a position at times
    const capped = await twoAgents(riskOf({ maxOpenPositions: 1 }));
    expect(capped.refusals['max-open']).toBeGreaterThan(20);
    const refused = refusedBy(capped.events, 'max-open');
    expect(refused.length).toBe(capped.refusals['max-open']);
    let onTheirWay = 0;
    for (const { d, note, at } of refused) {
      const n = countedBefore(capped.events, at, d.agentId, d.symbol);
      expect(n.all).toBeGreaterThanOrEqual(1);
      if (n.inFlight > 0) onTheirWay++;
      expect(note).toEqual({ rule: 'max-open', verdict: 'refuse', code: 'max-open-positions', reason: `${n.all} positions are open or on their way in the account, the maximum is 1`, numbers: { open: n.all, limit: 1 } });
      expect(d.reason.endsWith(`refused by max-open: ${note.reason}`)).toBe(true);
    }
    // Some were refused for the other agent's entry of the same bar, allowed but not filled yet.
    expect(onTheirWay).toBeGreaterThan(0);
    // Both agents were refused at some time: the count is the account's.
    expect(new Set(refused.map((r) => r.d.agentId))).toEqual(new Set(['demo-sma', 'fast']));
    expect(capped.events.filter((e) => e.type === 'position.opened').length).toBeLessThan(free.events.filter((e) => e.type === 'position.opened').length);
  });

  it('never holds more positions than the maximum, even when two agents enter on the same bar', async () => {
    const capped = await twoAgents(riskOf({ maxOpenPositions: 1 }));
    expect(capped.mostOpen).toBe(1);
    expect(mostOpenIn(capped.events)).toBe(1);
  });

  it('applies an agent\'s own override of the account maximum to that agent only', async () => {
    const r = await twoAgents(riskOf({}), [{ ...DEMO_AGENT, risk: { maxOpenPositions: 1 } }, fast]);
    const refused = decisions(r.events).filter((d) => d.reason.includes('refused by max-open'));
    expect(refused.length).toBeGreaterThan(10);
    expect(refused.every((d) => d.agentId === 'demo-sma')).toBe(true);
  });

  it('leaves out the position a reversal closes (docs/RISK.md): under a maximum of 1 an agent still reverses', async () => {
    // One agent on one symbol: the maximum of 1 never refuses, its reversals go through, the run is the free one.
    const cfg: BacktestConfig = { series: [eurusd], agent: { ...DEMO_AGENT }, ...DEMO_ACCOUNT, instrument };
    const free = await runBacktest(cfg);
    const capped = await runBacktest({ ...cfg, risk: riskOf({ maxOpenPositions: 1 }) });
    expect(decisions(free.events).filter((d) => d.action === 'reverse').length).toBeGreaterThan(10);
    expect(capped.metrics.refusals).toEqual({});
    expect(JSON.stringify(decisions(capped.events))).toBe(JSON.stringify(decisions(free.events)));
    expect(JSON.stringify(capped.trades)).toBe(JSON.stringify(free.trades));

    // The same agent on EURUSD and USDEUR (its inverse quote): it still reverses the one it holds, and the
    // other symbol's entries are refused while that one is held or on its way. While that one is being
    // reversed (its position closing, its new entry in flight) it counts once: the count is always 1.
    const pair: BacktestConfig = { ...cfg, series: [eurusd, usdeur], instrument: (s) => KNOWN_INSTRUMENTS[s] ?? { ...KNOWN_INSTRUMENTS.EURUSD, symbol: s } };
    const freePair = await runBacktest(pair);
    const one = await runBacktest({ ...pair, risk: riskOf({ maxOpenPositions: 1 }) });
    expect(mostOpenIn(freePair.events)).toBe(2);
    expect(mostOpenIn(one.events)).toBe(1);
    const reversals = (r: typeof one) => decisions(r.events).filter((d) => d.action === 'reverse').length;
    expect(reversals(one)).toBeGreaterThan(10);
    const refused = refusedBy(one.events, 'max-open');
    expect(refused.length).toBe(one.metrics.refusals['max-open']);
    expect(refused.length).toBeGreaterThan(10);
    let whileReversing = 0;
    for (const { d, note, at } of refused) {
      // Never its own position in the symbol: only the other symbol's, open or on its way, once.
      const n = countedBefore(one.events, at, d.agentId, d.symbol);
      expect(n.all).toBe(1);
      expect(note.numbers).toEqual({ open: n.all, limit: 1 });
      expect(d.reason).toMatch(/refused by max-open: 1 positions are open or on their way in the account, the maximum is 1$/);
      if (n.closing > 0 && n.inFlight > 0) whileReversing++;
    }
    // Some were refused while the other symbol was reversing: its old leg closing is left out, its new one counts.
    expect(whileReversing).toBeGreaterThan(5);
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
    // GOOG held = 1: no EURUSD entry goes, while GOOG's own reversals do (the position they close does not count).
    const one = await runBacktest({ ...cfg, risk: riskOf({ maxOpenPerAgent: 1 }) });
    const refused = refusedBy(one.events, 'max-open');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBe(one.metrics.refusals['max-open']);
    for (const { d, note, at } of refused) {
      expect(d.symbol).toBe('EURUSD');
      expect(countedBefore(one.events, at, d.agentId, d.symbol).all).toBe(1);
      expect(d.reason).toMatch(/refused by max-open: agent demo-sma has 1 positions open or on their way, its maximum is 1$/);
      expect(note).toEqual({ rule: 'max-open', verdict: 'refuse', code: 'max-open-per-agent', reason: 'agent demo-sma has 1 positions open or on their way, its maximum is 1', numbers: { open: 1, limit: 1 } });
    }
    // GOOG alone never reaches 2: its trades are the free run's, reversals and all.
    const goog = (r: typeof free) => JSON.stringify(r.trades.filter((t) => t.symbol === 'GOOG'));
    expect(goog(one)).toBe(goog(free));
    expect(decisions(one.events).some((d) => d.symbol === 'GOOG' && d.action === 'reverse')).toBe(true);
    expect(one.trades.filter((t) => t.symbol === 'EURUSD').length).toBeLessThan(free.trades.filter((t) => t.symbol === 'EURUSD').length);

    // GOOG held + the EURUSD position a reversal closes would be 2, but that one does not count: nothing refused at 2.
    const two = await runBacktest({ ...cfg, risk: riskOf({ maxOpenPerAgent: 2 }) });
    expect(two.metrics.refusals).toEqual({});
    expect(JSON.stringify(two.trades)).toBe(JSON.stringify(free.trades));
  });

  it('leaves other agents\' positions out of an agent\'s count (the account\'s count has them)', async () => {
    // Each agent trades EURUSD alone: its own count never passes 1 (its reversal's exit goes first).
    const perAgent = await twoAgents(riskOf({ maxOpenPerAgent: 1 }));
    expect(perAgent.refusals).toEqual({});
    expect(perAgent.mostOpen).toBe(2);
    const account = await twoAgents(riskOf({ maxOpenPositions: 1 }));
    expect(account.refusals['max-open']).toBeGreaterThan(0);
  });

  // While an agent reverses, its old position (its exit not filled yet) leaves the book and its new entry in
  // flight takes its place, so the other agents count it once: two agents trading EURUSD alone (never more
  // than 2 positions) are never refused under an account maximum of 2.
  it('counts another agent\'s reversal once: two agents on one symbol each are never refused under a maximum of 2', async () => {
    const r = await twoAgents(riskOf({ maxOpenPositions: 2 }));
    expect(r.refusals).toEqual({});
  });
});
