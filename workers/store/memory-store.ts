import type { BarSeries } from '../market/bar.ts';
import { sliceSeries } from '../market/bar.ts';
import { lowerBound, mergeSeries } from '../market/merge.ts';
import type { Timeframe } from '../market/timeframe.ts';
import type { EngineEvent, EngineEventInput } from '../engine/events.ts';
import { decisionFrom, foldOpenPositions, foldOrder, tradeFrom, type DecisionRecord, type OrderRecord, type TradeRecord } from './projections.ts';
import type { AccountSnapshot, AgentRecord, EngineStore, OpenPositionRecord, StoredBarsInfo } from './store.ts';
import { createMemoryModelStorage } from '../models/bundle/registry.ts';

/** The store in memory: unit tests, backtests, and the reference the other stores are tested against. */
export function createMemoryStore(): EngineStore {
  const bars = new Map<string, BarSeries>();
  const events: EngineEvent[] = [];
  const ids = new Set<string>();
  const agents = new Map<string, AgentRecord>();
  const decisions: DecisionRecord[] = [];
  const orders = new Map<string, OrderRecord>();
  const trades: TradeRecord[] = [];
  const open = new Map<string, OpenPositionRecord>();
  const snapshots: AccountSnapshot[] = [];
  const key = (symbol: string, tf: Timeframe) => `${symbol}|${tf}`;

  return {
    bars: {
      async put(series) {
        bars.set(key(series.symbol, series.timeframe), mergeSeries(bars.get(key(series.symbol, series.timeframe)) ?? null, series));
      },
      async get(symbol, timeframe, range) {
        const s = bars.get(key(symbol, timeframe));
        if (!s) return null;
        const from = range?.from === undefined ? 0 : lowerBound(s.time, range.from);
        const to = range?.to === undefined ? s.time.length : lowerBound(s.time, range.to + 1);
        return sliceSeries(s, from, to);
      },
      async list() {
        const out: StoredBarsInfo[] = [];
        for (const s of bars.values()) out.push({ symbol: s.symbol, timeframe: s.timeframe, count: s.time.length, first: s.time[0], last: s.time[s.time.length - 1] });
        return out;
      },
      async delete(symbol, timeframe) {
        bars.delete(key(symbol, timeframe));
      },
    },
    events: {
      async append(batch: readonly (EngineEvent | EngineEventInput)[]) {
        const added: EngineEvent[] = [];
        for (const input of batch) {
          if (ids.has(input.id)) continue;
          const e = { ...input, seq: events.length + 1 } as EngineEvent;
          ids.add(e.id);
          events.push(e);
          added.push(e);
          const d = decisionFrom(e);
          if (d) decisions.push(d);
          const o = foldOrder(e.type.startsWith('order.') ? orders.get((e.payload as { clientOrderId: string }).clientOrderId) : undefined, e);
          if (o) orders.set(o.clientOrderId, o);
          const t = tradeFrom(e);
          if (t) trades.push(t);
          foldOpenPositions(open, e);
        }
        return added;
      },
      async since(afterSeq, limit = Infinity) {
        return events.slice(afterSeq, afterSeq + Math.min(limit, events.length));
      },
      async lastSeq() {
        return events.length;
      },
      async has(id) {
        return ids.has(id);
      },
    },
    agents: {
      async put(a) {
        agents.set(a.config.id, structuredClone(a));
      },
      async get(id) {
        const a = agents.get(id);
        return a && structuredClone(a);
      },
      async list() {
        return [...agents.values()].map((a) => structuredClone(a));
      },
      async delete(id) {
        agents.delete(id);
      },
    },
    decisions: {
      async list(q = {}) {
        const out = decisions.filter((d) => (!q.agentId || d.agentId === q.agentId) && (!q.symbol || d.symbol === q.symbol) && (q.fromTime === undefined || d.time >= q.fromTime));
        return q.limit ? out.slice(-q.limit) : out;
      },
    },
    orders: {
      async get(id) {
        return orders.get(id);
      },
      async list(q = {}) {
        return [...orders.values()].filter((o) => (!q.agentId || o.agentId === q.agentId) && (!q.state || o.state === q.state));
      },
    },
    trades: {
      async list(q = {}) {
        return trades.filter((t) => (!q.agentId || t.agentId === q.agentId) && (!q.symbol || t.symbol === q.symbol));
      },
    },
    positions: {
      async open(q = {}) {
        return [...open.values()].filter((p) => !q.agentId || p.agentId === q.agentId);
      },
    },
    models: createMemoryModelStorage(),
    snapshots: {
      async append(s) {
        snapshots.push({ ...s });
      },
      async list(q = {}) {
        return snapshots.filter((s) => (q.from === undefined || s.time >= q.from) && (q.to === undefined || s.time <= q.to));
      },
    },
  };
}
