import { describe, expect, it } from 'vitest';
import { DEFAULT_VIABILITY, fitnessOf, judgeCell, statusText, viabilityProblems } from '../../workers/lab/viability.ts';
import type { CellMetrics, CellResult } from '../../workers/lab/cell.ts';

const m = (over: Partial<CellMetrics> = {}): CellMetrics => ({ trades: 40, net: 500, totalReturnPct: 5, sharpe: 1.2, profitFactor: 1.4, maxDrawdownPct: 2.5, winRatePct: 45, ...over });
const r = (metrics: CellMetrics, sample?: 'in' | 'out'): CellResult => ({ period: { from: 0, to: 1 }, symbol: 'EURUSD', timeframe: 'H1', ...(sample ? { sample } : {}), metrics });

describe('viability: alive or dead by explicit criteria', () => {
  it('a cell with trades and positive fitness that holds out of sample is alive', () => {
    const s = judgeCell([r(m(), 'in'), r(m({ sharpe: 0.9 }), 'out')], null);
    expect(s).toEqual({ alive: true });
    expect(statusText(s)).toBe('🟢 alive');
  });

  it('no trades', () => {
    const s = judgeCell([r(m({ trades: 0 }))], null);
    expect(statusText(s)).toBe('💀 dead — no trades on EURUSD H1');
    expect(statusText(judgeCell([r(m({ trades: 4 }))], null, { ...DEFAULT_VIABILITY, minTrades: 10 }))).toBe('💀 dead — only 4 trades on EURUSD H1, fewer than 10');
  });

  it('fitness below the threshold, in the chosen fitness', () => {
    expect(statusText(judgeCell([r(m({ sharpe: -0.31 }))], null))).toBe('💀 dead — Sharpe -0.31 on EURUSD H1 is below 0');
    const pf = { ...DEFAULT_VIABILITY, fitness: 'profitFactor' as const, minFitness: 1.5 };
    expect(statusText(judgeCell([r(m())], null, pf))).toBe('💀 dead — profit factor 1.4 on EURUSD H1 is below 1.5');
    const rdd = { ...DEFAULT_VIABILITY, fitness: 'returnOverDrawdown' as const, minFitness: 3 };
    expect(fitnessOf(m(), 'returnOverDrawdown')).toBe(2);
    expect(statusText(judgeCell([r(m())], null, rdd))).toBe('💀 dead — return over drawdown 2 on EURUSD H1 is below 3');
    // Switched off: any fitness lives.
    expect(judgeCell([r(m({ sharpe: -5 }))], null, { ...DEFAULT_VIABILITY, minFitness: null }).alive).toBe(true);
  });

  it('a run-time error names the bar and the message, before anything else', () => {
    const s = judgeCell([r(m({ trades: 0 }))], { bar: 812, message: 'invalid features: x' });
    expect(s).toEqual({ alive: false, failing: 'run-time error at bar 812: invalid features: x', error: { bar: 812, message: 'invalid features: x' } });
    expect(statusText(s)).toBe('💀 dead — run-time error at bar 812: invalid features: x');
  });

  it('out-of-sample collapse: OOS fitness under the fraction of in-sample', () => {
    const s = judgeCell([r(m({ sharpe: 2 }), 'in'), r(m({ sharpe: 0.6 }), 'out')], null);
    expect(statusText(s)).toBe('💀 dead — out-of-sample collapse on EURUSD H1: Sharpe 0.6 out of sample, under 50 % of the 2 in sample');
    expect(judgeCell([r(m({ sharpe: 2 }), 'in'), r(m({ sharpe: 1 }), 'out')], null).alive).toBe(true);
    expect(judgeCell([r(m({ sharpe: 2 }), 'in'), r(m({ sharpe: 0.6 }), 'out')], null, { ...DEFAULT_VIABILITY, oosFraction: 0.25 }).alive).toBe(true);
    expect(judgeCell([r(m({ sharpe: 2 }), 'in'), r(m({ sharpe: 0.6 }), 'out')], null, { ...DEFAULT_VIABILITY, oosFraction: null }).alive).toBe(true);
  });

  it('a cell never tested is not alive', () => {
    expect(statusText(judgeCell([], null))).toBe('💀 dead — never tested');
  });

  it('criteria from a caller are checked in words', () => {
    expect(viabilityProblems({ minTrades: 1.5, fitness: 'calmar', minFitness: 'x', oosFraction: 2 })).toEqual([
      'minTrades must be a whole number of trades, 0 or more (got 1.5)',
      'fitness must be one of sharpe, profitFactor, returnOverDrawdown (got "calmar")',
      'minFitness must be a number or null (got "x")',
      'oosFraction must be within [0, 1] or null (got 2)',
    ]);
    expect(viabilityProblems({ minTrades: 5, fitness: 'sharpe', minFitness: null, oosFraction: null })).toEqual([]);
  });
});
