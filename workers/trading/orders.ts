/**
 * The trading vocabulary every layer shares: sides, order intents, positions
 * and the account. It imports nothing, so a broker, a risk rule, the engine
 * and a view can all speak it without importing each other.
 */

/** +1 long (buy to open), -1 short (sell to open). */
export type Side = 1 | -1;

/** A side in a trader's words: every reply, alert and decision reason says it the same way. */
export const SIDE_WORD = { 1: 'long', '-1': 'short' } as const satisfies Record<Side, string>;

export function sideWord(side: Side): 'long' | 'short' {
  return SIDE_WORD[side];
}

/** Why a position was closed; the trade journal shows it. */
export type CloseReason = 'stop' | 'target' | 'signal' | 'manual' | 'emergency';

/**
 * What the engine asks a broker to do. Stops and targets travel as DISTANCES
 * from the fill price (cTrader's relativeStopLoss / relativeTakeProfit): the
 * decision is taken at a bar's close but fills later, and a distance stays on
 * the right side of whatever price the order gets.
 */
export interface OrderIntent {
  /** Stable id derived from agent, symbol and bar time: a retry or restart can never make it two orders. */
  clientOrderId: string;
  agentId: string;
  symbol: string;
  side: Side;
  volumeUnits: number;
  /** Stop distance in price units from the fill, or null for none. */
  stopDistance: number | null;
  /** Target distance in price units from the fill, or null for none. */
  targetDistance: number | null;
  /** Engine-clock time the decision was taken (the bar's close). */
  decidedAt: number;
}

export interface Position {
  /** The entry order's client order id: stable across restarts. */
  id: string;
  agentId: string;
  symbol: string;
  side: Side;
  volumeUnits: number;
  entryPrice: number;
  entryTime: number;
  stopLoss: number | null;
  takeProfit: number | null;
  /** Commission paid on the entry fill, in cents. */
  entryCommissionCents: number;
}

export interface AccountState {
  /** Realised money: starting cash plus closed P&L minus commissions, in whole cents. */
  balanceCents: number;
  /** Balance plus open P&L marked at the last price. */
  equity: number;
  usedMargin: number;
  freeMargin: number;
  /** Highest equity seen so far. */
  peakEquity: number;
  /** (peak - equity) / peak, 0..1. */
  drawdown: number;
  leverage: number;
}
