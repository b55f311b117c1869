/** How the performance tables show the shared measures: an infinite profit factor as ∞ with its reason, no trade as '–'. */
import { describe, expect, it } from 'vitest';
import { perfCells } from '../../app/views/performance/perf-text.ts';
import { performanceOf } from '../../workers/performance/performance.ts';
import type { TradeRecord } from '../../workers/store/projections.ts';

const trade = (id: string, netPnl: number): TradeRecord => ({
  id,
  agentId: 'a',
  symbol: 'EURUSD',
  side: 1,
  volumeUnits: 1000,
  entryTime: 0,
  entryPrice: 1.1,
  exitTime: 3_600_000,
  exitPrice: 1.1,
  reason: 'signal',
  grossPnl: netPnl,
  commission: 0,
  netPnl,
  returnPct: 0,
});

describe('perfCells', () => {
  it('all winners: profit factor ∞, titled with the reason; win rate 100 %; expectancy the mean net', () => {
    const c = perfCells(performanceOf([trade('1', 10), trade('2', 20)], new Map(), 10_000));
    expect(c).toEqual({ winRate: '100.0 %', profitFactor: '∞', profitFactorNote: 'no losing trade: gross profit over no loss', expectancy: '+15.00 USD' });
  });

  it('no trade: every ratio a dash alone', () => {
    const c = perfCells(performanceOf([], new Map(), 10_000));
    expect(c).toEqual({ winRate: '–', profitFactor: '–', profitFactorNote: 'no closed trade', expectancy: '–' });
  });

  it('winners and losers: the ratio with two decimals and no note', () => {
    // 30 won, 10 + 10 lost: profit factor 1.5, win rate 1 of 3, expectancy 10 / 3.
    const c = perfCells(performanceOf([trade('1', 30), trade('2', -10), trade('3', -10)], new Map(), 10_000));
    expect(c).toEqual({ winRate: '33.3 %', profitFactor: '1.50', profitFactorNote: '', expectancy: '+3.33 USD' });
  });
});
