import { drawdownCurve } from '../backtest/metrics.ts';
import type { TradeRecord } from '../store/projections.ts';
import { byExit } from './performance.ts';

/**
 * An agent's equity curve. The account is shared, so an agent has no balance
 * of its own: its equity is the account's starting cash plus its OWN P&L, as
 * if it had traded the account alone. That is the realised P&L of its closed
 * trades at each exit, and at the last mark its open P&L on top. Its
 * drawdown is measured from that curve's running peak, the same way
 * /performance measures an agent's drawdown (performance.ts), so the two agree
 * up to the open P&L of the last point.
 */

export interface AgentEquity {
  /** Sample times, ms UTC on the engine clock, strictly ascending. */
  time: Float64Array;
  /** Starting cash + realised P&L to that time (+ open P&L at the last mark). */
  equity: Float64Array;
  /** From the running peak, in % (positive), as the equity chart draws it. */
  drawdown: Float64Array;
}

/** The open positions at the last mark: the engine's time, their P&L marked at the last close, and the earliest entry among them. */
export interface OpenMark {
  time: number;
  openPnl: number;
  since?: number;
}

/**
 * Samples: the starting cash at the first entry (of a closed trade or an
 * open position), one sample per exit time (exits at the same time summed),
 * then the mark (at its own time, or folded into the last exit's sample when
 * it is not later). No trade and no mark: an empty curve.
 */
export function agentEquity(trades: readonly TradeRecord[], startingCash: number, mark?: OpenMark): AgentEquity {
  const sorted = byExit(trades);
  const time: number[] = [];
  const equity: number[] = [];
  const firstEntry = Math.min(...sorted.map((t) => t.entryTime), mark?.since ?? Infinity, mark && sorted.length === 0 ? mark.time : Infinity);
  if (Number.isFinite(firstEntry)) {
    time.push(firstEntry);
    equity.push(startingCash);
  }
  let cum = startingCash;
  for (const t of sorted) {
    cum += t.netPnl;
    if (time[time.length - 1] === t.exitTime) equity[equity.length - 1] = cum;
    else {
      time.push(t.exitTime);
      equity.push(cum);
    }
  }
  if (mark && time.length > 0) {
    if (mark.time > time[time.length - 1]) {
      time.push(mark.time);
      equity.push(cum + mark.openPnl);
    } else equity[equity.length - 1] = cum + mark.openPnl;
  }
  const eq = Float64Array.from(equity);
  return { time: Float64Array.from(time), equity: eq, drawdown: drawdownCurve(eq, startingCash) };
}
