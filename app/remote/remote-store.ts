import type { BarSeries } from '../../workers/market/bar.ts';
import { formatBarsCsv } from '../../workers/market/csv-write.ts';
import type { StoredModel } from '../../workers/models/bundle/registry.ts';
import type { EngineStore, SettingsRepository } from '../../workers/store/store.ts';
import type { RelayClient } from './relay-client.ts';

/**
 * The relay's store, seen from a browser attached to it: the same EngineStore
 * the views read on IndexedDB. Reads go through the relay's store route; bars
 * and models are written through the relay's checked import routes; the record
 * (events, agents, snapshots) is the relay engine's alone and refuses writes.
 * Settings stay in this browser: they are this device's, and the relay's hold
 * its secrets.
 */
export function createRemoteStore(relay: RelayClient, localSettings: SettingsRepository): EngineStore {
  const call = <T>(repo: string, method: string, ...args: unknown[]) => relay.store<T>(repo, method, args);
  const engineOnly = (what: string) => async () => {
    throw new Error(`${what} belong to the relay's engine: send a command instead`);
  };
  // Bars are the heavy read (a chart asks for a whole series on every refresh) and change slowly: kept briefly.
  const barCache = new Map<string, { at: number; value: Promise<BarSeries | null> }>();
  const BARS_TTL_MS = 15_000;
  return {
    bars: {
      get(symbol, timeframe, range) {
        const key = JSON.stringify([symbol, timeframe, range ?? {}]);
        const hit = barCache.get(key);
        if (hit && Date.now() - hit.at < BARS_TTL_MS) return hit.value;
        const value = call<BarSeries | null>('bars', 'get', symbol, timeframe, range ?? {});
        barCache.set(key, { at: Date.now(), value });
        value.catch(() => barCache.delete(key));
        return value;
      },
      list: () => call('bars', 'list'),
      async put(series: BarSeries) {
        // CSV numbers are written with String(x), which reads back to the same double: the relay stores these exact bars.
        const q = new URLSearchParams({ symbol: series.symbol, timeframe: series.timeframe });
        await relay.json(`/api/bars?${q}`, { method: 'POST', body: formatBarsCsv(series), headers: { 'content-type': 'text/csv' } });
        barCache.clear();
      },
      async delete(symbol, timeframe) {
        await relay.json(`/api/bars/${encodeURIComponent(symbol)}/${encodeURIComponent(timeframe)}`, { method: 'DELETE' });
        barCache.clear();
      },
    },
    events: {
      append: engineOnly('events'),
      since: (afterSeq, limit) => call('events', 'since', afterSeq, limit ?? 10_000),
      lastSeq: () => call('events', 'lastSeq'),
      has: (id) => call('events', 'has', id),
    },
    agents: {
      put: engineOnly('agents'),
      get: async (id) => (await call('agents', 'get', id)) ?? undefined,
      list: () => call('agents', 'list'),
      delete: engineOnly('agents'),
    },
    decisions: { list: (q) => call('decisions', 'list', q ?? {}) },
    orders: { get: async (id) => (await call('orders', 'get', id)) ?? undefined, list: (q) => call('orders', 'list', q ?? {}) },
    trades: { list: (q) => call('trades', 'list', q ?? {}) },
    positions: { open: (q) => call('positions', 'open', q ?? {}) },
    snapshots: { append: engineOnly('account snapshots'), list: (q) => call('snapshots', 'list', q ?? {}) },
    models: {
      async put(m: StoredModel) {
        const form = new FormData();
        form.set('model', new Blob([m.bytes.slice().buffer as ArrayBuffer]), 'model.onnx');
        form.set('manifest', JSON.stringify(m.manifest));
        await relay.json('/api/models?replace=1', { method: 'POST', body: form });
      },
      get: async (id) => (await call('models', 'get', id)) ?? undefined,
      list: () => call('models', 'list'),
      async delete(id) {
        await relay.json(`/api/models/${encodeURIComponent(id)}`, { method: 'DELETE' });
      },
    },
    tradeNotes: {
      put: (n) => call('tradeNotes', 'put', n),
      get: async (id) => (await call('tradeNotes', 'get', id)) ?? undefined,
      list: (q) => call('tradeNotes', 'list', q ?? {}),
    },
    cells: {
      put: async () => {
        throw new Error("cells are created through the relay's cells API (POST /api/cells), which checks and tests them");
      },
      get: async (id) => (await call('cells', 'get', id)) ?? undefined,
      list: () => call('cells', 'list'),
    },
    settings: localSettings,
  };
}
