import { describe, expect, it } from 'vitest';
import { computeMetrics, drawdownCurve } from '../../workers/backtest/metrics.ts';
import type { TradeRecord } from '../../workers/store/projections.ts';

const D = 86_400_000;
const trade = (netPnl: number, commission = 0, returnPct = 0): TradeRecord => ({
  id: String(Math.random()),
  agentId: 'a',
  symbol: 'X',
  side: 1,
  volumeUnits: 1,
  entryTime: 0,
  entryPrice: 1,
  exitTime: 1,
  exitPrice: 1,
  reason: 'signal',
  grossPnl: netPnl + commission,
  commission,
  netPnl,
  returnPct,
});

describe('backtest metrics', () => {
  it('computes return, drawdown depth and duration, and trade statistics by hand', () => {
    // Daily equity: 100 -> 110 (peak) -> 99 -> 104.5 -> 121 (new peak) -> 121
    const equity = Float64Array.from([110, 99, 104.5, 121, 121]);
    const time = Float64Array.from([1, 2, 3, 4, 5].map((d) => d * D));
    const m = computeMetrics({ time, equity, initialEquity: 100, trades: [trade(30, 1, 2), trade(-10, 1, -1), trade(5, 0.5, 0.5)], barsInMarket: 3, timeframe: 'D1' });
    expect(m.totalReturnPct).toBeCloseTo(21, 12);
    expect(m.maxDrawdownPct).toBeCloseTo(10, 12); // 110 -> 99
    expect(m.maxDrawdownDurationBars).toBe(2); // bars 2 and 3 under the peak
    expect(m.maxDrawdownDurationMs).toBe(3 * D); // peak at day 1, recovered on day 4
    expect(m.trades).toBe(3);
    expect(m.winRatePct).toBeCloseTo(200 / 3, 12);
    expect(m.profitFactor).toBeCloseTo(35 / 10, 12);
    expect(m.expectancy).toBeCloseTo(25 / 3, 12);
    expect(m.avgTradeReturnPct).toBeCloseTo(1.5 / 3, 12);
    expect(m.commissions).toBeCloseTo(2.5, 12);
    expect(m.exposurePct).toBeCloseTo(60, 12);
    expect(m.bestTrade).toBe(30);
    expect(m.worstTrade).toBe(-10);
    // Returns: .1, -.1, .0555.., .1578.., 0 -> Sharpe with sample std, sqrt(252)
    const r = [0.1, 99 / 110 - 1, 104.5 / 99 - 1, 121 / 104.5 - 1, 0];
    const mean = r.reduce((a, b) => a + b) / 5;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
    expect(m.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(252), 9);
    const down = Math.sqrt((99 / 110 - 1) ** 2 / 5);
    expect(m.sortino).toBeCloseTo((mean / down) * Math.sqrt(252), 9);
    const years = (4 * D) / (365.25 * D);
    expect(m.cagrPct).toBeCloseTo((1.21 ** (1 / years) - 1) * 100, 6);
  });

  it('reports an unrecovered drawdown up to the end of the test', () => {
    const equity = Float64Array.from([100, 90, 95, 80]);
    const time = Float64Array.from([0, 1, 2, 3].map((h) => h * 3_600_000));
    const m = computeMetrics({ time, equity, initialEquity: 100, trades: [], barsInMarket: 0, timeframe: 'H1' });
    expect(m.maxDrawdownPct).toBeCloseTo(20, 12);
    expect(m.maxDrawdownDurationBars).toBe(3);
    expect(m.maxDrawdownDurationMs).toBe(3 * 3_600_000);
    expect(Number.isNaN(m.winRatePct)).toBe(true);
    expect(Array.from(drawdownCurve(equity, 100))).toEqual([0, 10, 5, 20]);
  });
});
