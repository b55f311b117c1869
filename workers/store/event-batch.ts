import type { EngineEvent, EngineEventInput } from '../trading/events.ts';
import { decisionFrom, foldOpenPositions, foldOrder, tradeFrom, type DecisionRecord, type OrderRecord, type TradeRecord } from './projections.ts';
import type { OpenPositionRecord } from './store.ts';

/**
 * One append as the persistent stores perform it: they read what the batch touches
 * (ids already stored, the orders and open positions it names) inside their write
 * transaction, fold the batch here through projections.ts, and write the result in
 * that same transaction. Views keep the seq of the event that began them, which
 * orders list and open positions by, as the memory store's maps do.
 */
export interface Keyed<T> {
  seq: number;
  record: T;
}

export interface BatchKeys {
  ids: string[];
  clientOrderIds: string[];
  positionIds: string[];
}

export interface BatchState {
  lastSeq: number;
  known: ReadonlySet<string>;
  orders: ReadonlyMap<string, Keyed<OrderRecord>>;
  positions: ReadonlyMap<string, Keyed<OpenPositionRecord>>;
}

export interface BatchWrites {
  added: EngineEvent[];
  decisions: DecisionRecord[];
  trades: Keyed<TradeRecord>[];
  /** Every order the batch touched, in its final state. */
  orders: Keyed<OrderRecord>[];
  openPositions: Keyed<OpenPositionRecord>[];
  closedPositionIds: string[];
}

export function batchKeys(batch: readonly (EngineEvent | EngineEventInput)[]): BatchKeys {
  const clientOrderIds = new Set<string>();
  const positionIds = new Set<string>();
  for (const e of batch) {
    if (e.type.startsWith('order.')) clientOrderIds.add((e.payload as { clientOrderId: string }).clientOrderId);
    if (e.type.startsWith('position.')) positionIds.add((e.payload as { positionId: string }).positionId);
  }
  return { ids: batch.map((e) => e.id), clientOrderIds: [...clientOrderIds], positionIds: [...positionIds] };
}

/** `decisions: false` leaves BatchWrites.decisions empty: a store that reads its decisions from the events (SQLite) needs no copy. */
export function foldBatch(batch: readonly (EngineEvent | EngineEventInput)[], state: BatchState, opts: { decisions?: boolean } = {}): BatchWrites {
  const withDecisions = opts.decisions ?? true;
  const known = new Set(state.known);
  const orders = new Map(state.orders);
  const touchedOrders = new Set<string>();
  const open = new Map([...state.positions].map(([id, p]) => [id, p.record]));
  const openSeq = new Map([...state.positions].map(([id, p]) => [id, p.seq]));
  const touchedPositions = new Set<string>();
  const out: BatchWrites = { added: [], decisions: [], trades: [], orders: [], openPositions: [], closedPositionIds: [] };
  let seq = state.lastSeq;
  for (const input of batch) {
    if (known.has(input.id)) continue;
    known.add(input.id);
    const e = { ...input, seq: ++seq } as EngineEvent;
    out.added.push(e);
    const d = withDecisions ? decisionFrom(e) : null;
    if (d) out.decisions.push(d);
    const prev = e.type.startsWith('order.') ? orders.get((e.payload as { clientOrderId: string }).clientOrderId) : undefined;
    const o = foldOrder(prev?.record, e);
    if (o) {
      orders.set(o.clientOrderId, { seq: prev?.seq ?? e.seq, record: o });
      touchedOrders.add(o.clientOrderId);
    }
    const t = tradeFrom(e);
    if (t) out.trades.push({ seq: e.seq, record: t });
    if (e.type.startsWith('position.')) {
      const id = (e.payload as { positionId: string }).positionId;
      foldOpenPositions(open, e);
      if (open.has(id) && !openSeq.has(id)) openSeq.set(id, e.seq);
      if (!open.has(id)) openSeq.delete(id);
      touchedPositions.add(id);
    }
  }
  for (const id of touchedOrders) out.orders.push(orders.get(id)!);
  for (const id of touchedPositions) {
    const p = open.get(id);
    if (p) out.openPositions.push({ seq: openSeq.get(id)!, record: p });
    else out.closedPositionIds.push(id);
  }
  return out;
}
