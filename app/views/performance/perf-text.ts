import type { Performance } from '../../../workers/performance/performance.ts';
import { fmt } from '../../components/format.ts';

/**
 * The few measures every performance table shows, as text, from the shared
 * Performance (workers/performance). A profit factor with winners and no
 * loser has nothing to divide by: it reads '∞' with the reason in its title;
 * with no trade at all every ratio reads '–'.
 */
export interface PerfCells {
  winRate: string;
  profitFactor: string;
  /** Why the profit factor reads as it does, for a title (empty when it is a plain number). */
  profitFactorNote: string;
  expectancy: string;
}

export function perfCells(p: Performance): PerfCells {
  const pf = p.profitFactor;
  return {
    winRate: fmt.pct(p.winRatePct, 1),
    profitFactor: fmt.num(pf),
    profitFactorNote: pf === Infinity ? 'no losing trade: gross profit over no loss' : Number.isNaN(pf) ? 'no closed trade' : '',
    expectancy: fmt.signedUsd(p.expectancy),
  };
}
