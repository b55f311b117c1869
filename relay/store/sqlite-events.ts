import type Database from 'better-sqlite3';
import { eventId, type EngineEvent, type EngineEventInput } from '../../workers/trading/events.ts';
import { fromExactJson as parse, toExactJson as json } from '../../workers/store/exact-json.ts';
import { batchKeys, foldBatch, type Keyed } from '../../workers/store/event-batch.ts';
import { decisionFrom, type OrderRecord, type TradeRecord } from '../../workers/store/projections.ts';
import type { OpenPositionRecord } from '../../workers/store/store.ts';
import type { SqliteWrite } from './sqlite-store.ts';

type Row = { record: string };
type DecisionFilter = { agent: string | null; symbol: string | null; from: number | null };
const DECISION_FILTER = '(@agent IS NULL OR d.agent_id = @agent) AND (@symbol IS NULL OR d.symbol = @symbol) AND (@from IS NULL OR d.time >= @from)';
const records = <T>(rows: Row[]): T[] => rows.map((r) => parse<T>(r.record));
const keyed = <T>(rows: { seq: number; record: string }[]) => rows.map((r): Keyed<T> => ({ seq: r.seq, record: parse<T>(r.record) }));
/** The decisions view is its events read back (schema 5): the record is the event's, as the memory store derives it. */
const decisionRecords = (rows: Row[]) => rows.map((r) => decisionFrom(parse<EngineEvent>(r.record))!);

/**
 * The bar time a decision id of eventId.decision's form would name (its last segment), or null. Only a candidate:
 * a stored decision is the one only when eventId.decision of its columns gives back the id itself.
 */
function decisionBarTime(id: string): number | null {
  const t = id.slice(id.lastIndexOf(':') + 1);
  const n = t === '' ? NaN : Number(t);
  return Number.isFinite(n) ? n : null;
}

/**
 * A decision's columns when its id is eventId.decision(agent, symbol, bar time), else null (its id text is kept).
 * Such a decision is found by (bar_time, agent_id, symbol), and its events row holds its seq as a big-endian BLOB
 * instead of the id: the id text would put each of a step's hundreds of decisions (one per agent and symbol) on its
 * own leaf page of the id index, ~600 of the ~770 pages a 200-symbol step's commit wrote; the seq BLOBs (which sort
 * after every TEXT, so never equal an id) and the bar_time key each add to one end of their index.
 */
function derivedDecision(e: EngineEvent): { agentId: string; symbol: string; barTime: number } | null {
  if (e.type !== 'decision') return null;
  const { symbol, barTime } = e.payload;
  return typeof symbol === 'string' && typeof barTime === 'number' && e.id === eventId.decision(e.agentId, symbol, barTime) ? { agentId: e.agentId, symbol, barTime } : null;
}

/** A seq as 8 big-endian bytes; one buffer for every insert, as better-sqlite3 copies a bound BLOB (SQLITE_TRANSIENT). */
const seqKey = Buffer.alloc(8);
const seqBlob = (seq: number) => {
  seqKey.writeUInt32BE(Math.floor(seq / 2 ** 32), 0);
  seqKey.writeUInt32BE(seq >>> 0, 4);
  return seqKey;
};

/** An object whose members are made by `makers` when first read. */
function onFirstUse<T extends Record<string, () => unknown>>(makers: T): { readonly [K in keyof T]: ReturnType<T[K]> } {
  const out = {} as { [K in keyof T]: ReturnType<T[K]> };
  for (const k of Object.keys(makers) as (keyof T)[]) {
    let made: ReturnType<T[typeof k]> | undefined;
    Object.defineProperty(out, k, { get: () => (made ??= makers[k]() as ReturnType<T[typeof k]>) });
  }
  return out;
}

/** The journal and its views: an append writes the events and every view row they change in one transaction. */
export function sqliteEvents(db: Database.Database, write: SqliteWrite) {
  // Prepared on first use: a store opened at an earlier schema version (the upgrade tests) must not prepare
  // statements that name later columns.
  const q = onFirstUse({
    known: () => db.prepare<[string], { id: string }>('SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?))'),
    decisionsAt: () => db.prepare<[string], { agent_id: string; symbol: string; bar_time: number }>('SELECT agent_id, symbol, bar_time FROM decisions WHERE bar_time IN (SELECT value FROM json_each(?))'),
    lastSeq: () => db.prepare<[], { seq: number }>('SELECT COALESCE(MAX(seq), 0) AS seq FROM events'),
    orders: () => db.prepare<[string], { seq: number; record: string }>('SELECT seq, record FROM orders WHERE client_order_id IN (SELECT value FROM json_each(?))'),
    positions: () => db.prepare<[string], { seq: number; record: string }>('SELECT seq, record FROM positions WHERE position_id IN (SELECT value FROM json_each(?))'),
    addEvent: () => db.prepare('INSERT INTO events (seq, id, record) VALUES (?, ?, ?)'),
    addDecision: () => db.prepare('INSERT INTO decisions (seq, agent_id, symbol, time, bar_time) VALUES (?, ?, ?, ?, ?)'),
    putOrder: () => db.prepare('INSERT OR REPLACE INTO orders (client_order_id, seq, record) VALUES (?, ?, ?)'),
    addTrade: () => db.prepare('INSERT INTO trades (seq, agent_id, record) VALUES (?, ?, ?)'),
    putPosition: () => db.prepare('INSERT OR REPLACE INTO positions (position_id, seq, record) VALUES (?, ?, ?)'),
    closePosition: () => db.prepare('DELETE FROM positions WHERE position_id = ?'),
    since: () => db.prepare<[number, number], Row>('SELECT record FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
    decisions: () => db.prepare<[DecisionFilter], Row>(`SELECT e.record FROM decisions d JOIN events e ON e.seq = d.seq WHERE ${DECISION_FILTER} ORDER BY d.seq`),
    lastDecisions: () => db.prepare<[DecisionFilter & { limit: number }], Row>(
      `SELECT e.record FROM decisions d JOIN events e ON e.seq = d.seq WHERE ${DECISION_FILTER} ORDER BY d.seq DESC LIMIT @limit`,
    ),
    order: () => db.prepare<[string], Row>('SELECT record FROM orders WHERE client_order_id = ?'),
    allOrders: () => db.prepare<[], Row>('SELECT record FROM orders ORDER BY seq'),
    trades: () => db.prepare<[], Row>('SELECT record FROM trades ORDER BY seq'),
    open: () => db.prepare<[], Row>('SELECT record FROM positions ORDER BY seq'),
  });

  /** Which of `ids` are stored: by their text, or as a decision found by its columns. */
  const knownIds = (ids: string[]): Set<string> => {
    const known = new Set(q.known.all(JSON.stringify(ids)).map((r) => r.id));
    const times = new Set<number>();
    for (const id of ids) {
      const t = decisionBarTime(id);
      if (t !== null) times.add(t);
    }
    if (times.size) for (const d of q.decisionsAt.all(JSON.stringify([...times]))) known.add(eventId.decision(d.agent_id, d.symbol, d.bar_time));
    return known;
  };

  const append = (batch: readonly (EngineEvent | EngineEventInput)[]) => {
    const keys = batchKeys(batch);
    const state = {
      lastSeq: q.lastSeq.get()!.seq,
      known: knownIds(keys.ids),
      orders: new Map(keyed<OrderRecord>(q.orders.all(JSON.stringify(keys.clientOrderIds))).map((o) => [o.record.clientOrderId, o])),
      positions: new Map(keyed<OpenPositionRecord>(q.positions.all(JSON.stringify(keys.positionIds))).map((p) => [p.record.positionId, p])),
    };
    // The decision records are not wanted: the view is read from the events (copying each payload cost ~1.3 ms of a 200-symbol step).
    const w = foldBatch(batch, state, { decisions: false });
    for (const e of w.added) {
      const d = derivedDecision(e);
      q.addEvent.run(e.seq, d ? seqBlob(e.seq) : e.id, json(e));
      if (e.type === 'decision') q.addDecision.run(e.seq, e.agentId, e.payload.symbol, e.time, d ? d.barTime : null);
    }
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
      has: async (id: string) => knownIds([id]).has(id),
    },
    decisions: {
      async list(f: { agentId?: string; symbol?: string; fromTime?: number; limit?: number } = {}) {
        const filter = { agent: f.agentId || null, symbol: f.symbol || null, from: f.fromTime ?? null };
        return f.limit ? decisionRecords(q.lastDecisions.all({ ...filter, limit: f.limit })).reverse() : decisionRecords(q.decisions.all(filter));
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
