import type Database from 'better-sqlite3';
import type { EngineEvent, EngineEventInput } from '../../workers/trading/events.ts';
import { fromExactJson as parse, toExactJson as json } from '../../workers/store/exact-json.ts';
import { batchKeys, foldBatch, type Keyed } from '../../workers/store/event-batch.ts';
import type { DecisionRecord, OrderRecord, TradeRecord } from '../../workers/store/projections.ts';
import type { OpenPositionRecord } from '../../workers/store/store.ts';
import type { SqliteWrite } from './sqlite-store.ts';

type Row = { record: string };
type DecisionFilter = { agent: string | null; symbol: string | null; from: number | null };
const DECISION_FILTER = '(@agent IS NULL OR agent_id = @agent) AND (@symbol IS NULL OR symbol = @symbol) AND (@from IS NULL OR time >= @from)';
const records = <T>(rows: Row[]): T[] => rows.map((r) => parse<T>(r.record));
const keyed = <T>(rows: { seq: number; record: string }[]) => rows.map((r): Keyed<T> => ({ seq: r.seq, record: parse<T>(r.record) }));

/** The journal and its views: an append writes the events and every view row they change in one transaction. */
export function sqliteEvents(db: Database.Database, write: SqliteWrite) {
  const q = {
    known: db.prepare<[string], { id: string }>('SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?))'),
    lastSeq: db.prepare<[], { seq: number }>('SELECT COALESCE(MAX(seq), 0) AS seq FROM events'),
    orders: db.prepare<[string], { seq: number; record: string }>('SELECT seq, record FROM orders WHERE client_order_id IN (SELECT value FROM json_each(?))'),
    positions: db.prepare<[string], { seq: number; record: string }>('SELECT seq, record FROM positions WHERE position_id IN (SELECT value FROM json_each(?))'),
    addEvent: db.prepare('INSERT INTO events (seq, id, record) VALUES (?, ?, ?)'),
    addDecision: db.prepare('INSERT INTO decisions (seq, agent_id, symbol, time, record) VALUES (?, ?, ?, ?, ?)'),
    putOrder: db.prepare('INSERT OR REPLACE INTO orders (client_order_id, seq, record) VALUES (?, ?, ?)'),
    addTrade: db.prepare('INSERT INTO trades (seq, agent_id, record) VALUES (?, ?, ?)'),
    putPosition: db.prepare('INSERT OR REPLACE INTO positions (position_id, seq, record) VALUES (?, ?, ?)'),
    closePosition: db.prepare('DELETE FROM positions WHERE position_id = ?'),
    since: db.prepare<[number, number], Row>('SELECT record FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
    has: db.prepare<[string], { id: string }>('SELECT id FROM events WHERE id = ?'),
    decisions: db.prepare<[DecisionFilter], Row>(`SELECT record FROM decisions WHERE ${DECISION_FILTER} ORDER BY seq`),
    lastDecisions: db.prepare<[DecisionFilter & { limit: number }], Row>(`SELECT record FROM decisions WHERE ${DECISION_FILTER} ORDER BY seq DESC LIMIT @limit`),
    order: db.prepare<[string], Row>('SELECT record FROM orders WHERE client_order_id = ?'),
    allOrders: db.prepare<[], Row>('SELECT record FROM orders ORDER BY seq'),
    trades: db.prepare<[], Row>('SELECT record FROM trades ORDER BY seq'),
    open: db.prepare<[], Row>('SELECT record FROM positions ORDER BY seq'),
  };

  const append = (batch: readonly (EngineEvent | EngineEventInput)[]) => {
    const keys = batchKeys(batch);
    const w = foldBatch(batch, {
      lastSeq: q.lastSeq.get()!.seq,
      known: new Set(q.known.all(JSON.stringify(keys.ids)).map((r) => r.id)),
      orders: new Map(keyed<OrderRecord>(q.orders.all(JSON.stringify(keys.clientOrderIds))).map((o) => [o.record.clientOrderId, o])),
      positions: new Map(keyed<OpenPositionRecord>(q.positions.all(JSON.stringify(keys.positionIds))).map((p) => [p.record.positionId, p])),
    });
    for (const e of w.added) q.addEvent.run(e.seq, e.id, json(e));
    for (const d of w.decisions) q.addDecision.run(d.seq, d.agentId, d.symbol, d.time, json(d));
    for (const o of w.orders) q.putOrder.run(o.record.clientOrderId, o.seq, json(o.record));
    for (const t of w.trades) q.addTrade.run(t.seq, t.record.agentId, json(t.record));
    for (const p of w.openPositions) q.putPosition.run(p.record.positionId, p.seq, json(p.record));
    for (const id of w.closedPositionIds) q.closePosition.run(id);
    return w.added;
  };

  return {
    events: {
      append: async (batch: readonly (EngineEvent | EngineEventInput)[]) => (batch.length ? write(`${batch.length} journal events`, () => append(batch)) : []),
      since: async (afterSeq: number, limit = Infinity) => records<EngineEvent>(q.since.all(afterSeq, Number.isFinite(limit) ? limit : -1)),
      lastSeq: async () => q.lastSeq.get()!.seq,
      has: async (id: string) => q.has.get(id) !== undefined,
    },
    decisions: {
      async list(f: { agentId?: string; symbol?: string; fromTime?: number; limit?: number } = {}) {
        const filter = { agent: f.agentId || null, symbol: f.symbol || null, from: f.fromTime ?? null };
        return f.limit ? records<DecisionRecord>(q.lastDecisions.all({ ...filter, limit: f.limit })).reverse() : records<DecisionRecord>(q.decisions.all(filter));
      },
    },
    orders: {
      get: async (id: string) => {
        const r = q.order.get(id);
        return r && parse<OrderRecord>(r.record);
      },
      list: async (f: { agentId?: string; state?: OrderRecord['state'] } = {}) =>
        records<OrderRecord>(q.allOrders.all()).filter((o) => (!f.agentId || o.agentId === f.agentId) && (!f.state || o.state === f.state)),
    },
    trades: {
      list: async (f: { agentId?: string; symbol?: string } = {}) => records<TradeRecord>(q.trades.all()).filter((t) => (!f.agentId || t.agentId === f.agentId) && (!f.symbol || t.symbol === f.symbol)),
    },
    positions: {
      open: async (f: { agentId?: string } = {}) => records<OpenPositionRecord>(q.open.all()).filter((p) => !f.agentId || p.agentId === f.agentId),
    },
  };
}
