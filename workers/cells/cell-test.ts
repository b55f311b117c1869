import { runBacktest } from '../backtest/run-backtest.ts';
import { DEFAULT_AGENT, type AgentConfig } from '../engine/agent-config.ts';
import { DEMO_ACCOUNT } from '../engine/demo.ts';
import { barAt, type BarSeries } from '../market/bar.ts';
import { ruleStrategy } from '../strategies/index.ts';
import { lowerBound } from '../market/merge.ts';
import type { CellResult } from '../lab/cell.ts';

/**
 * How a cell is tested: the demo account (10,000, 1:30, retail EURUSD costs),
 * 1 % risk per trade. A cell without its own stop gets the agent's 2 x ATR(14)
 * stop (risk sizing needs one); its own stop, target and trail apply otherwise.
 */
export const CELL_TEST_AGENT: Omit<AgentConfig, 'id' | 'name' | 'alpha' | 'symbols' | 'timeframe'> = DEFAULT_AGENT;

/** The account a cell is tested on. */
export const CELL_TEST_ACCOUNT = { initialCash: DEMO_ACCOUNT.initialCash, leverage: DEMO_ACCOUNT.leverage, costs: DEMO_ACCOUNT.costs };

/** The agent that trades the rule strategy `strategy` (lab:<id>) in a cell's test: testCell, the Lab's draft test, the fast test's reference. */
export const cellTestAgent = (strategy: string, id = 'cell', name = strategy) => ({ ...CELL_TEST_AGENT, id, name, alpha: { kind: 'rule' as const, strategy, params: {} } });

export interface CellTest {
  result: CellResult;
  /** The first bar the program could not be run on (an exception, or a value it needs that is not a number), else null. */
  error: { bar: number; message: string } | null;
}

/**
 * Backtests the rule strategy `strategy` (a registered cell, lab:<id>) on one
 * series, the period from..to traded (earlier bars warm it up), through the
 * same engine that trades. Never throws for the cell's sake: an exception is
 * the cell's run-time error, at the bar it reached.
 */
export async function testCell(strategy: string, series: BarSeries, opts: { from?: number; to?: number; sample?: 'in' | 'out' } = {}): Promise<CellTest> {
  const from = opts.from ?? series.time[0];
  const to = opts.to ?? series.time[series.time.length - 1];
  const base = { period: { from, to }, symbol: series.symbol, timeframe: series.timeframe, ...(opts.sample ? { sample: opts.sample } : {}) };
  const thrown = firstThrow(strategy, series);
  if (thrown) return { result: { ...base, metrics: EMPTY }, error: thrown };
  try {
    const r = await runBacktest({
      series: [series],
      agent: cellTestAgent(strategy),
      ...CELL_TEST_ACCOUNT,
      from,
      to,
    });
    const m = r.metrics;
    const result: CellResult = {
      ...base,
      metrics: { trades: m.trades, net: m.finalEquity - m.initialEquity, totalReturnPct: m.totalReturnPct, sharpe: m.sharpe, profitFactor: m.profitFactor, maxDrawdownPct: m.maxDrawdownPct, winRatePct: m.winRatePct },
    };
    // A value the program needs that is not a number (a division by zero, a stop of 0) is its run-time error.
    for (const e of r.events) {
      if (e.type !== 'decision') continue;
      const why = /^skipped: (invalid features: .*|the strategy's .*)$/.exec(e.payload.reason);
      if (why) return { result, error: { bar: lowerBound(series.time, e.payload.barTime), message: why[1] } };
    }
    return { result, error: null };
  } catch (e) {
    // Not the program (it ran through above): the engine refused the run; no bar to blame.
    return { result: { ...base, metrics: EMPTY }, error: { bar: -1, message: e instanceof Error ? e.message : String(e) } };
  }
}

const EMPTY = { trades: 0, net: 0, totalReturnPct: 0, sharpe: 0, profitFactor: 0, maxDrawdownPct: 0, winRatePct: 0 };

/** Runs the program alone over the series, as the engine calls it, to find the bar it throws on (if any). */
function firstThrow(strategy: string, series: BarSeries): { bar: number; message: string } | null {
  let i = 0;
  try {
    const s = ruleStrategy(strategy).create({});
    const inputs: Record<string, number> = {};
    for (; i < series.time.length; i++) {
      s.update(barAt(series, i));
      s.inputs(inputs);
      s.levels?.();
      s.decide();
    }
    return null;
  } catch (e) {
    return { bar: i, message: e instanceof Error ? e.message : String(e) };
  }
}
