import type { Bar } from '../market/bar.ts';
import type { EngineEventInput } from '../trading/events.ts';
import type { AccountState, CloseReason, OrderIntent, Position } from '../trading/orders.ts';

/** An order in flight, as the emergency stop and the risk view see it. */
export interface PendingOrderView {
  clientOrderId: string;
  agentId: string;
  symbol: string;
  /** 'open' places a new position; 'close' closes `positionId`. */
  purpose: 'open' | 'close';
  positionId?: string;
  /** 'queued': not sent yet (the broker is reconnecting); 'sent': at the broker, no outcome yet. */
  state: 'queued' | 'sent';
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
  /** Orders sent (or queued to send) and not yet filled, refused or cancelled. */
  pendingOrders(): readonly PendingOrderView[];
  /**
   * Cancels an order that has not filled. The outcome arrives as an event:
   * 'order.cancelled', or the fill that won the race (the engine then closes
   * what it opened). Cancelling an order already done does nothing.
   */
  cancelOrder(clientOrderId: string, reason: string): void;
  account(): AccountState;
  /**
   * The account's own book, when this broker also keeps paper books beside it
   * (paper-beside-live.ts): what the risk layer judges, so paper positions and
   * entries never count against the account. Absent: the broker is the account.
   */
  readonly accountBook?: Pick<Broker, 'positions' | 'pendingOrders'>;
}

/** Brokers that simulate fills from bars (paper, backtests) are driven by the feed. */
export interface BarDrivenBroker extends Broker {
  /** A bar of `symbol` has closed: fill what waits for its open, check stops and targets inside it, mark to its close. */
  onBar(symbol: string, bar: Bar): void;
  /** Equity as marked at the end of the last bar: read every bar by the risk layer, so kept rather than recomputed. */
  readonly equityAtLastBar: number;
}
