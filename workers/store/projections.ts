import type { CloseReason, Side } from '../trading/orders.ts';
import { fromCents } from '../market/instrument.ts';
import type { DecisionPayload, EngineEvent, PositionClosedPayload } from '../trading/events.ts';

/**
 * Views derived from the event record. Every store (memory, IndexedDB, SQLite)
 * folds events through these same functions, so a view can always be rebuilt
 * from events and never disagrees between places.
 */

/** A closed trade, as the trade list and the backtest report show it. */
export interface TradeRecord {
  id: string;
  agentId: string;
  symbol: string;
  side: Side;
  volumeUnits: number;
  entryTime: number;
  entryPrice: number;
  exitTime: number;
  exitPrice: number;
  reason: CloseReason;
  grossPnl: number;
  commission: number;
  netPnl: number;
  /** Price return of the trade in % of the entry price, signed for the side, before costs. */
  returnPct: number;
}

export function tradeFromClosed(agentId: string, p: PositionClosedPayload): TradeRecord {
  return {
    id: p.positionId,
    agentId,
    symbol: p.symbol,
    side: p.side,
    volumeUnits: p.volumeUnits,
    entryTime: p.entryTime,
    entryPrice: p.entryPrice,
    exitTime: p.exitTime,
    exitPrice: p.exitPrice,
    reason: p.reason,
    grossPnl: fromCents(p.grossPnlCents),
    commission: fromCents(p.commissionCents),
    netPnl: fromCents(p.netPnlCents),
    returnPct: (p.side * (p.exitPrice - p.entryPrice) * 100) / p.entryPrice,
  };
}

export interface DecisionRecord extends DecisionPayload {
  seq: number;
  agentId: string;
  time: number;
}

export type OrderState = 'intent' | 'accepted' | 'rejected' | 'filled' | 'cancelled';

export interface OrderRecord {
  clientOrderId: string;
  agentId: string;
  symbol: string;
  state: OrderState;
  side?: Side;
  volumeUnits?: number;
  purpose?: 'open' | 'close';
  fillPrice?: number;
  commissionCents?: number;
  rejectReason?: string;
  /** Why it was cancelled (an emergency stop, an agent stopped). */
  cancelReason?: string;
  updatedAt: number;
}

/** The order view after one more event (null when the event is not about an order). */
export function foldOrder(prev: OrderRecord | undefined, e: EngineEvent): OrderRecord | null {
  switch (e.type) {
    case 'order.intent':
      return { clientOrderId: e.payload.clientOrderId, agentId: e.agentId, symbol: e.payload.symbol, state: 'intent', side: e.payload.side, volumeUnits: e.payload.volumeUnits, purpose: e.payload.purpose, updatedAt: e.time };
    case 'order.accepted':
      return { ...base(prev, e, e.payload.clientOrderId, e.payload.symbol), state: prev?.state === 'filled' ? 'filled' : 'accepted' };
    case 'order.rejected':
      return { ...base(prev, e, e.payload.clientOrderId, e.payload.symbol), state: 'rejected', rejectReason: e.payload.reason };
    case 'order.cancelled':
      // A fill that won the race stays a fill: the engine closes that position, the order did trade.
      return { ...base(prev, e, e.payload.clientOrderId, e.payload.symbol), state: prev?.state === 'filled' ? 'filled' : 'cancelled', cancelReason: e.payload.reason };
    case 'order.filled':
      return { ...base(prev, e, e.payload.clientOrderId, e.payload.symbol), state: 'filled', side: e.payload.side, volumeUnits: e.payload.volumeUnits, fillPrice: e.payload.price, commissionCents: e.payload.commissionCents };
    default:
      return null;
  }
}

function base(prev: OrderRecord | undefined, e: EngineEvent, clientOrderId: string, symbol: string): OrderRecord {
  return { ...(prev ?? { clientOrderId, agentId: e.agentId, symbol, state: 'intent' }), symbol: symbol || prev?.symbol || '', updatedAt: e.time };
}

export function decisionFrom(e: EngineEvent): DecisionRecord | null {
  return e.type === 'decision' ? { ...e.payload, seq: e.seq, agentId: e.agentId, time: e.time } : null;
}

export function tradeFrom(e: EngineEvent): TradeRecord | null {
  return e.type === 'position.closed' ? tradeFromClosed(e.agentId, e.payload) : null;
}

/** Applies one event to the map of open positions (by position id), in place. */
export function foldOpenPositions(open: Map<string, import('./store.ts').OpenPositionRecord>, e: EngineEvent): void {
  // The fill time, as position.closed's entryTime: an open and a closed position say the same entry time.
  if (e.type === 'position.opened') open.set(e.payload.positionId, { ...e.payload, agentId: e.agentId, openedAt: e.payload.entryTime ?? e.time });
  else if (e.type === 'position.amended') {
    const p = open.get(e.payload.positionId);
    if (p) open.set(p.positionId, { ...p, stopLoss: e.payload.stopLoss, takeProfit: e.payload.takeProfit });
  } else if (e.type === 'position.closed') open.delete(e.payload.positionId);
}
