import { describe, expect, it } from 'vitest';
import { riskConfigProblems, riskLimitsProblems } from '../../workers/risk/limits-check.ts';
import { DEFAULT_LIMITS, DEFAULT_RISK_CONFIG, NO_LIMITS, RULE_DEFAULTS, type RiskLimits } from '../../workers/risk/limits.ts';
import { createPaperSession } from '../../workers/engine/paper-session.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { SimulatedClock } from '../../workers/trading/clock.ts';

// Limits out of range are refused with the field named; unknown fields are named too.

const withLimit = (patch: Record<string, unknown>) => riskLimitsProblems({ ...NO_LIMITS, ...patch } as RiskLimits);

describe('risk limits check', () => {
  it('accepts the shipped limits, every rule off, and every rule on at its defaults', () => {
    expect(riskLimitsProblems(NO_LIMITS)).toEqual([]);
    expect(riskLimitsProblems(DEFAULT_LIMITS)).toEqual([]);
    expect(riskLimitsProblems({ ...DEFAULT_LIMITS, ...RULE_DEFAULTS, maxConsecutiveLosses: 4, maxOpenPerAgent: 2, maxOpenRiskPct: 5, maxCurrencyExposurePct: 300 })).toEqual([]);
    expect(riskConfigProblems(DEFAULT_RISK_CONFIG)).toEqual([]);
  });

  it('refuses negative, zero, NaN, infinite and text percentages, naming the field and the value', () => {
    expect(withLimit({ maxDailyLossPct: -1 })).toEqual(['maxDailyLossPct must be a number above 0 and at most 100 (got -1)']);
    expect(withLimit({ maxDailyLossPct: 0 })).toEqual(['maxDailyLossPct must be a number above 0 and at most 100 (got 0)']);
    expect(withLimit({ maxDrawdownPct: NaN })).toEqual(['maxDrawdownPct must be a number above 0 and at most 100 (got NaN)']);
    expect(withLimit({ maxDrawdownPct: Infinity })).toEqual(['maxDrawdownPct must be a number above 0 and at most 100 (got Infinity)']);
    expect(withLimit({ maxDailyLossPct: '3' })).toEqual(['maxDailyLossPct must be a number above 0 and at most 100 (got "3")']);
  });

  it('refuses above 100% where a share of equity cannot exceed it, and allows it for currency exposure (leverage)', () => {
    expect(withLimit({ maxDailyLossPct: 150 })).toEqual(['maxDailyLossPct must be a number above 0 and at most 100 (got 150)']);
    expect(withLimit({ maxDrawdownPct: 100.5 })[0]).toMatch(/^maxDrawdownPct .*\(got 100\.5\)$/);
    expect(withLimit({ maxGroupPct: 101 })[0]).toMatch(/^maxGroupPct /);
    expect(withLimit({ maxOpenRiskPct: 120 })[0]).toMatch(/^maxOpenRiskPct /);
    expect(withLimit({ maxDailyLossPct: 100 })).toEqual([]);
    expect(withLimit({ maxCurrencyExposurePct: 300 })).toEqual([]);
  });

  it('wants whole counts of at least 1', () => {
    expect(withLimit({ maxConsecutiveLosses: 2.5 })).toEqual(['maxConsecutiveLosses must be a whole number from 1 to 10000 (got 2.5)']);
    expect(withLimit({ maxConsecutiveLosses: 0 })).toEqual(['maxConsecutiveLosses must be a whole number from 1 to 10000 (got 0)']);
    expect(withLimit({ maxOpenPositions: -1 })).toEqual(['maxOpenPositions must be a whole number from 1 to 10000 (got -1)']);
    expect(withLimit({ maxOpenPerAgent: NaN })).toEqual(['maxOpenPerAgent must be a whole number from 1 to 10000 (got NaN)']);
  });

  it('names a bad action or resume setting', () => {
    expect(withLimit({ dailyLossAction: 'stop' })).toEqual([`dailyLossAction must be 'halted' or 'reducing' (got "stop")`]);
    expect(withLimit({ drawdownAction: 'active' })).toEqual([`drawdownAction must be 'halted' or 'reducing' (got "active")`]);
    expect(withLimit({ lossesAction: null })).toEqual([`lossesAction must be 'halted' or 'reducing' (got null)`]);
    expect(withLimit({ resume: 'tomorrow' })).toEqual([`resume must be 'next-day' or 'manual' (got "tomorrow")`]);
  });

  it('names the field inside a rule\'s settings', () => {
    expect(withLimit({ correlation: { max: 1.5, lookbackBars: 100 } })).toEqual(['correlation.max must be a number above 0 and at most 1 (got 1.5)']);
    expect(withLimit({ cooldown: { bars: -2 } })).toEqual(['cooldown.bars must be a whole number from 1 to 100000 (got -2)']);
    expect(withLimit({ cooldown: { bars: 2, minutes: 5 } })).toEqual(['cooldown.minutes is not a setting of cooldown']);
    expect(withLimit({ cooldown: 2 })).toEqual(['cooldown must be an object with bars, or null (off)']);
    expect(withLimit({ stopLossGuard: { ...RULE_DEFAULTS.stopLossGuard, scope: 'account' } })).toEqual([`stopLossGuard.scope must be 'symbol' or 'agent'`]);
    expect(withLimit({ streakSizing: { ...RULE_DEFAULTS.streakSizing, min: 1, max: 1 } })).toEqual([]);
    expect(withLimit({ streakSizing: { ...RULE_DEFAULTS.streakSizing, min: 0.9, max: 1.5, afterWins: 0 } })).toEqual(['streakSizing.afterWins must be a whole number from 1 to 10000 (got 0)']);
    expect(withLimit({ kelly: { ...RULE_DEFAULTS.kelly, fraction: NaN } })).toEqual(['kelly.fraction must be a number above 0 and at most 1 (got NaN)']);
  });

  it('names an unknown field, and a missing one unless partial (an agent\'s overrides)', () => {
    const unknown = riskLimitsProblems({ ...NO_LIMITS, maxDailyLoss: 3 } as unknown as RiskLimits);
    expect(unknown.length).toBe(1);
    expect(unknown[0]).toMatch(/^maxDailyLoss is not a risk limit \(known: maxDailyLossPct, dailyLossAction, /);
    expect(riskLimitsProblems({ maxDailyLossPct: 2 }, true)).toEqual([]);
    expect(riskLimitsProblems({ maxDailyLossPct: 2 })).toContain('maxDrawdownPct is missing');
    expect(riskLimitsProblems({ maxDailyLossPct: -2, typo: 1 } as Partial<RiskLimits>, true)).toEqual([
      expect.stringMatching(/^typo is not a risk limit/),
      'maxDailyLossPct must be a number above 0 and at most 100 (got -2)',
    ]);
    expect(riskLimitsProblems(null as unknown as RiskLimits)).toEqual(['risk limits must be an object']);
  });
});

describe('risk config check', () => {
  it('prefixes limit problems, names a bad time zone and a group for an unknown symbol', () => {
    const problems = riskConfigProblems({ limits: { ...NO_LIMITS, maxDailyLossPct: -3 }, timeZone: 'Europe/Londres', groups: { EURUSD: 'fx', XAUUSD: 'metals', GOOG: ' ' } }, ['EURUSD', 'GOOG']);
    expect(problems).toEqual([
      'limits: maxDailyLossPct must be a number above 0 and at most 100 (got -3)',
      'time zone "Europe/Londres" is not a known IANA zone (for example UTC, Europe/London, America/New_York)',
      'groups: XAUUSD is not a known symbol (known: EURUSD, GOOG)',
      'groups: GOOG needs a group name (got " ")',
    ]);
    expect(riskConfigProblems({ ...DEFAULT_RISK_CONFIG, timeZone: 7 as unknown as string })).toEqual(['timeZone must be a string']);
  });

  it('refuses an agent whose overrides are out of range, naming them', () => {
    const clock = new SimulatedClock(0);
    const { engine } = createPaperSession({ clock, ...DEMO_ACCOUNT, instrument: (s) => KNOWN_INSTRUMENTS[s] });
    expect(engine.agentProblem({ ...DEMO_AGENT, risk: { maxDailyLossPct: -1 } })).toMatch(/risk: maxDailyLossPct must be a number above 0 and at most 100 \(got -1\)/);
    expect(engine.agentProblem({ ...DEMO_AGENT, risk: { maxDailyLossPct: 2, lossesAction: 'halted' } })).toBeNull();
  });
});
