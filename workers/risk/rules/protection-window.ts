import { TIMEFRAME_MS } from '../../market/timeframe.ts';
import type { ClosedTrade, RiskView } from '../rule.ts';

/**
 * What the protections share. Their durations and lookbacks count bars of the
 * agent's timeframe (as Freqtrade's *_candles settings do), turned into time
 * here: a backtest, a replay and live trading then lock for the same stretch
 * of market. Bars are nominal (TIMEFRAME_MS), so a weekend counts as the bars
 * it would have held. Locks start at a bar close, so they end on one.
 */
export function barsMs(view: RiskView, agentId: string, bars: number): number {
  return bars * TIMEFRAME_MS[view.timeframeOf(agentId)];
}

/**
 * The trades of a time-ordered history that closed after `since` and match
 * `keep`, oldest first. Read from the end, so a long history costs only its
 * recent part.
 */
export function closedAfter(trades: readonly ClosedTrade[], since: number, keep: (t: ClosedTrade) => boolean = any): ClosedTrade[] {
  const out: ClosedTrade[] = [];
  for (let i = trades.length - 1; i >= 0 && trades[i].time > since; i--) if (keep(trades[i])) out.push(trades[i]);
  return out.reverse();
}

/** How many trades closedAfter would return, without building the list: a window short of a protection's count is left at that. */
export function countClosedAfter(trades: readonly ClosedTrade[], since: number, keep: (t: ClosedTrade) => boolean = any): number {
  let n = 0;
  for (let i = trades.length - 1; i >= 0 && trades[i].time > since; i--) if (keep(trades[i])) n++;
  return n;
}

const any = () => true;

/** Money for a reason text: '-123.45'. */
export function money(cents: number): string {
  return (cents / 100).toFixed(2);
}
