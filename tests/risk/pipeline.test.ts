import { describe, expect, it } from 'vitest';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { NO_RISK_CONFIG } from '../../workers/risk/limits.ts';
import { RiskEngine } from '../../workers/risk/risk-engine.ts';
import { ALLOW, type ProposedEntry, type RiskRule } from '../../workers/risk/rule.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';

/**
 * The pre-trade pipeline itself (RiskEngine.vet), with rules made for the test:
 * the order rules are asked in, a resize handed on, the first refusal ending
 * it, a throwing rule refusing and halting the agent, the maximum position
 * capping a modifier, and the allowed entries kept in flight while the broker
 * holds their orders.
 */
function engineWith(rules: RiskRule[], pending: { agentId: string; symbol: string; purpose: 'open' | 'close' }[] = []) {
  const recorded: EngineEvent[] = [];
  const engine = new RiskEngine(
    {
      now: () => 1_000,
      account: () => ({ balanceCents: 1_000_000, equity: 10_000, usedMargin: 0, freeMargin: 10_000, peakEquity: 10_000, drawdown: 0, leverage: 30 }),
      positions: () => [],
      pendingOrders: () => pending,
      instrument: (s) => KNOWN_INSTRUMENTS[s],
      agents: () => [{ id: 'a', timeframe: 'H1' }],
      record: (e) => void recorded.push(e as EngineEvent),
    },
    NO_RISK_CONFIG,
    rules,
  );
  return { engine, recorded };
}

const entry = (over: Partial<ProposedEntry> = {}): ProposedEntry => ({ agentId: 'a', symbol: 'EURUSD', timeframe: 'H1', side: 1, volumeUnits: 10_000, baseUnits: 10_000, price: 1.1, stopDistance: 0.002, time: 1_000, ...over });
const resizeBy = (name: string, k: number): RiskRule => ({ name, check: (e) => ({ kind: 'resize', volumeUnits: e.volumeUnits * k, code: name, reason: `x${k}`, numbers: { k } }) });

describe('the pre-trade pipeline', () => {
  it('asks the rules in order: each judges the size the one before left, and the first refusal ends it', () => {
    const seen: number[] = [];
    const spy: RiskRule = { name: 'spy', check: (e) => (seen.push(e.volumeUnits), ALLOW) };
    const refuse: RiskRule = { name: 'wall', check: () => ({ kind: 'refuse', code: 'wall', reason: 'no', numbers: { n: 1 } }) };
    const never: RiskRule = { name: 'never', check: () => { throw new Error('asked after a refusal'); } };
    const { engine } = engineWith([resizeBy('half', 0.5), spy, refuse, never]);
    const v = engine.vet(entry());
    expect(seen).toEqual([5_000]);
    expect(v.refusal).toEqual({ rule: 'wall', verdict: 'refuse', code: 'wall', reason: 'no', numbers: { n: 1 } });
    expect(v.notes.map((n) => [n.rule, n.verdict, n.fromUnits, n.toUnits])).toEqual([['half', 'resize', 10_000, 5_000], ['wall', 'refuse', undefined, undefined]]);
    expect(engine.refusals()).toEqual({ wall: 1 });
  });

  it('rounds a resize down to the volume step, and refuses one below the smallest order', () => {
    expect(engineWith([resizeBy('third', 1 / 3)]).engine.vet(entry()).volumeUnits).toBe(3_000);
    const tiny = engineWith([resizeBy('tiny', 0.01)]).engine.vet(entry());
    expect(tiny.refusal).toMatchObject({ rule: 'tiny', code: 'size-below-minimum' });
    expect(tiny.refusal!.reason).toMatch(/100 units is below the smallest EURUSD order \(1000 units\)/);
  });

  it('caps a modifier that grows the size at the agent’s maximum position, and says so', () => {
    const v = engineWith([resizeBy('double', 2)]).engine.vet(entry({ maxUnits: 15_500 }));
    expect(v.volumeUnits).toBe(15_000);
    expect(v.notes[0]).toMatchObject({ rule: 'double', toUnits: 15_000, numbers: { k: 2, maxUnits: 15_500 } });
    expect(v.notes[0].reason).toBe("x2 (capped at the agent's maximum position, 15500 units)");
  });

  it('a rule that throws refuses the entry and halts the agent with the rule’s name and message, never allows', () => {
    const boom: RiskRule = { name: 'boom', check: () => { throw new Error('no prices'); } };
    const { engine, recorded } = engineWith([boom]);
    const v = engine.vet(entry());
    expect(v.refusal).toMatchObject({ rule: 'boom', code: 'rule-error', reason: 'rule boom failed: no prices; the agent is halted' });
    expect(engine.effectiveState('a')).toMatchObject({ state: 'halted', code: 'rule-error', by: 'rule:boom' });
    expect(recorded.map((e) => e.type)).toEqual(['risk.state']);
  });

  it('a resize to a size that is no number is a rule error, not an order', () => {
    const nan: RiskRule = { name: 'nan', check: () => ({ kind: 'resize', volumeUnits: NaN, code: 'nan', reason: 'x', numbers: {} }) };
    const { engine } = engineWith([nan]);
    expect(engine.vet(entry()).refusal).toMatchObject({ rule: 'nan', code: 'rule-error' });
  });

  it('keeps an allowed entry in flight while the broker holds its order, and drops it after', () => {
    const pending: { agentId: string; symbol: string; purpose: 'open' | 'close' }[] = [];
    const { engine } = engineWith([resizeBy('half', 0.5)], pending);
    engine.vet(entry());
    pending.push({ agentId: 'a', symbol: 'EURUSD', purpose: 'open' });
    expect(engine.view.entriesInFlight().map((e) => [e.symbol, e.volumeUnits])).toEqual([['EURUSD', 5_000]]);
    pending.length = 0;
    expect(engine.view.entriesInFlight()).toEqual([]);
  });

  it('refused entries are never in flight', () => {
    const wall: RiskRule = { name: 'wall', check: () => ({ kind: 'refuse', code: 'wall', reason: 'no', numbers: {} }) };
    const { engine } = engineWith([wall], [{ agentId: 'a', symbol: 'EURUSD', purpose: 'open' }]);
    engine.vet(entry());
    expect(engine.view.entriesInFlight()).toEqual([]);
  });
});
