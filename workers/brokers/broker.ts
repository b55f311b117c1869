import type { Bar } from '../market/bar.ts';
import type { EngineEventInput } from '../engine/events.ts';

/** +1 long (buy to open), -1 short (sell to open). */
export type Side = 1 | -1;

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

/** Where a broker reports what happened: the engine's event journal. */
export type BrokerEventSink = (e: EngineEventInput) => void;

/**
 * The broker seam (paper, cTrader, IBKR). Calls return at once; outcomes arrive
 * as events through the sink, synchronously (paper) or later (real brokers).
 */
export interface Broker {
  readonly name: string;
  submit(order: OrderIntent): void;
  /** Close a position at market; `clientOrderId` makes the close idempotent too. */
  closePosition(positionId: string, reason: CloseReason, clientOrderId: string): void;
  /** Move stop and/or target (absolute prices; null removes). */
  amendPosition(positionId: string, stopLoss: number | null, takeProfit: number | null, why: string): void;
  positions(): readonly Position[];
  /** The agent's open position in a symbol (one per agent and symbol: the asset lock). */
  positionOf(agentId: string, symbol: string): Position | undefined;
  /** True while an order of this agent and symbol has been sent but not yet filled or refused. */
  hasPendingOrder(agentId: string, symbol: string): boolean;
  account(): AccountState;
}

/** Brokers that simulate fills from bars (paper, backtests) are driven by the feed. */
export interface BarDrivenBroker extends Broker {
  /** A bar of `symbol` has closed: fill what waits for its open, check stops and targets inside it, mark to its close. */
  onBar(symbol: string, bar: Bar): void;
}
