import type { BarSeries } from '../market/bar.ts';
import { sliceSeries } from '../market/bar.ts';
import { lowerBound, mergeSeries } from '../market/merge.ts';
import type { EngineEvent, EngineEventInput } from '../trading/events.ts';
import { decisionFrom, foldOpenPositions, foldOrder, tradeFrom, type DecisionRecord, type OrderRecord, type TradeRecord } from './projections.ts';
import { cellOrder, normalizeTags, type AccountSnapshot, type AgentRecord, type EngineStore, type OpenPositionRecord, type StoredBarsInfo, type TradeNote } from './store.ts';
import { createMemoryModelStorage } from '../models/bundle/registry.ts';
import { checkSeries, seriesKey } from './bar-chunks.ts';
import { settingValue } from './settings.ts';
import type { Cell } from '../lab/cell.ts';

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
  const notes = new Map<string, TradeNote>();
  const settings = new Map<string, unknown>();
  const cells = new Map<string, Cell>();
  const byKey = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => structuredClone(v));
  const key = seriesKey;

  return {
    bars: {
      async put(series) {
        checkSeries(series);
        series = { ...series, time: series.time.slice(), open: series.open.slice(), high: series.high.slice(), low: series.low.slice(), close: series.close.slice(), volume: series.volume.slice() };
        if (series.time.length === 0) return;
        bars.set(key(series.symbol, series.timeframe), mergeSeries(bars.get(key(series.symbol, series.timeframe)) ?? null, series));
      },
      async get(symbol, timeframe, range) {
        const s = bars.get(key(symbol, timeframe));
        if (!s) return null;
        const from = range?.from === undefined ? 0 : lowerBound(s.time, range.from);
        const to = range?.to === undefined ? s.time.length : lowerBound(s.time, range.to + 1);
        // A copy, as the persistent stores give: a caller's edit must not reach the store.
        const v = sliceSeries(s, from, to);
        return { ...v, time: v.time.slice(), open: v.open.slice(), high: v.high.slice(), low: v.low.slice(), close: v.close.slice(), volume: v.volume.slice() };
      },
      async list() {
        const out: StoredBarsInfo[] = [];
        for (const k of [...bars.keys()].sort()) {
          const s = bars.get(k)!;
          out.push({ symbol: s.symbol, timeframe: s.timeframe, count: s.time.length, first: s.time[0], last: s.time[s.time.length - 1] });
        }
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
        return byKey(agents);
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
        // Backtests append one per bar, in time order: keep that O(1).
        if (snapshots.length === 0 || s.time > snapshots[snapshots.length - 1].time) return void snapshots.push({ ...s });
        const i = snapshots.findIndex((x) => x.time >= s.time);
        if (i < 0) snapshots.push({ ...s });
        else snapshots.splice(i, snapshots[i].time === s.time ? 1 : 0, { ...s });
      },
      async list(q = {}) {
        return snapshots.filter((s) => (q.from === undefined || s.time >= q.from) && (q.to === undefined || s.time <= q.to)).map((s) => ({ ...s }));
      },
    },
    tradeNotes: {
      async put(n) {
        notes.set(n.tradeId, { tradeId: n.tradeId, note: n.note, tags: normalizeTags(n.tags), updatedAt: n.updatedAt });
      },
      async get(tradeId) {
        const n = notes.get(tradeId);
        return n && structuredClone(n);
      },
      async list(q = {}) {
        return byKey(notes).filter((n) => q.tag === undefined || n.tags.includes(q.tag));
      },
    },
    cells: {
      async put(c) {
        cells.set(c.id, structuredClone(c));
      },
      async get(id) {
        const c = cells.get(id);
        return c && structuredClone(c);
      },
      async list() {
        return [...cells.values()].sort(cellOrder).map((c) => structuredClone(c));
      },
    },
    settings: {
      async get<T>(key: string) {
        return structuredClone(settings.get(key)) as T | undefined;
      },
      async put(key, value) {
        settings.set(key, settingValue(key, value));
      },
      async delete(key) {
        settings.delete(key);
      },
      async list() {
        return [...settings.keys()].sort().map((key) => ({ key, value: structuredClone(settings.get(key)) }));
      },
    },
  };
}
