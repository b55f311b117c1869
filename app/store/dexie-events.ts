import type Dexie from 'dexie';
import type { EngineEvent } from '../../workers/trading/events.ts';
import type { DecisionRecord, OrderRecord, TradeRecord } from '../../workers/store/projections.ts';
import type { DecisionView, EventRepository, OpenPositionRecord, OrderView, PositionView, TradeView } from '../../workers/store/store.ts';
import { batchKeys, foldBatch, type Keyed } from '../../workers/store/event-batch.ts';
import type { Write } from './dexie-store.ts';

type OrderRow = Keyed<OrderRecord> & { clientOrderId: string };
type TradeRow = Keyed<TradeRecord> & { agentId: string };
type PositionRow = Keyed<OpenPositionRecord> & { positionId: string };

export interface DexieEventsAndViews {
  events: EventRepository;
  decisions: DecisionView;
  orders: OrderView;
  trades: TradeView;
  positions: PositionView;
}

/** The journal and its views: an append writes the events and every view row they change in one transaction. */
export function dexieEvents(db: Dexie, write: Write): DexieEventsAndViews {
  const events = db.table<EngineEvent, number>('events');
  const decisions = db.table<DecisionRecord, number>('decisions');
  const orders = db.table<OrderRow, string>('orders');
  const trades = db.table<TradeRow, number>('trades');
  const positions = db.table<PositionRow, string>('positions');
  const lastSeq = async () => ((await events.orderBy('seq').lastKey()) as number | undefined) ?? 0;
  const present = <T>(rows: (T | undefined)[]) => rows.filter((r): r is T => r !== undefined);

  return {
    events: {
      async append(batch) {
        if (batch.length === 0) return [];
        return write(`${batch.length} journal events`, [events, decisions, orders, trades, positions], async () => {
          const keys = batchKeys(batch);
          const known = new Set((await events.where('id').anyOf(keys.ids).keys()) as string[]);
          const w = foldBatch(batch, {
            lastSeq: await lastSeq(),
            known,
            orders: new Map(present(await orders.bulkGet(keys.clientOrderIds)).map((r) => [r.clientOrderId, r])),
            positions: new Map(present(await positions.bulkGet(keys.positionIds)).map((r) => [r.positionId, r])),
          });
          await events.bulkAdd(w.added);
          await decisions.bulkAdd(w.decisions);
          await orders.bulkPut(w.orders.map((o) => ({ ...o, clientOrderId: o.record.clientOrderId })));
          await trades.bulkAdd(w.trades.map((t) => ({ ...t, agentId: t.record.agentId })));
          await positions.bulkPut(w.openPositions.map((p) => ({ ...p, positionId: p.record.positionId })));
          await positions.bulkDelete(w.closedPositionIds);
          return w.added;
        });
      },
      async since(afterSeq, limit = Infinity) {
        const c = events.where('seq').above(afterSeq);
        return Number.isFinite(limit) ? c.limit(limit).toArray() : c.toArray();
      },
      lastSeq,
      async has(id) {
        return (await events.where('id').equals(id).count()) > 0;
      },
    },
    decisions: {
      async list(q = {}) {
        const all = q.agentId ? decisions.where('agentId').equals(q.agentId) : decisions.toCollection();
        const c = all.filter((d) => (!q.symbol || d.symbol === q.symbol) && (q.fromTime === undefined || d.time >= q.fromTime));
        return q.limit ? (await c.reverse().limit(q.limit).toArray()).reverse() : c.toArray();
      },
    },
    orders: {
      async get(id) {
        return (await orders.get(id))?.record;
      },
      async list(q = {}) {
        const rows = await orders.orderBy('seq').filter((o) => (!q.agentId || o.record.agentId === q.agentId) && (!q.state || o.record.state === q.state)).toArray();
        return rows.map((o) => o.record);
      },
    },
    trades: {
      async list(q = {}) {
        const rows = await trades.orderBy('seq').filter((t) => (!q.agentId || t.agentId === q.agentId) && (!q.symbol || t.record.symbol === q.symbol)).toArray();
        return rows.map((t) => t.record);
      },
    },
    positions: {
      async open(q = {}) {
        return (await positions.orderBy('seq').filter((p) => !q.agentId || p.record.agentId === q.agentId).toArray()).map((p) => p.record);
      },
    },
  };
}
