import Dexie, { type Table } from 'dexie';
import type { StoredModel } from '../../workers/models/bundle/registry.ts';
import { settingValue } from '../../workers/store/settings.ts';
import { cellOrder, normalizeTags, type AccountSnapshot, type AgentRecord, type EngineStore, type TradeNote } from '../../workers/store/store.ts';
import type { Cell } from '../../workers/lab/cell.ts';
import { dexieBars } from './dexie-bars.ts';
import { dexieBacktests } from './dexie-backtests.ts';
import type { BacktestHistory } from '../../workers/backtest/stored-run.ts';
import { dexieEvents } from './dexie-events.ts';
import { declareSchema } from './dexie-schema.ts';
import { storageError } from './storage-full.ts';

export { StorageFullError } from './storage-full.ts';

/**
 * The engine's store in IndexedDB (Dexie 4), for the PWA's engine worker or a window:
 * no DOM. Every write is one read-write transaction, so it lands whole or not at all;
 * a full disk surfaces as StorageFullError. Schema and migrations: dexie-schema.ts.
 */
export interface DexieStoreOptions {
  /** IndexedDB to use (fake-indexeddb in Node tests); the global one by default. */
  indexedDB?: { open: Function };
  IDBKeyRange?: { bound: Function; lowerBound: Function; upperBound: Function };
  /** Open at an older schema version: only migration tests need it. */
  schemaVersion?: number;
}

export interface DexieEngineStore extends EngineStore {
  readonly db: Dexie;
  /** The backtest history: this browser's own, beside the engine's record (not part of EngineStore: the engine never reads it). */
  readonly backtests: BacktestHistory;
  close(): Promise<void>;
}

/** Runs `fn` in one rw transaction over `tables`; a quota refusal becomes StorageFullError naming `what`. */
export type Write = <T>(what: string, tables: Table[], fn: () => Promise<T>) => Promise<T>;

/** Opens on first use (Dexie's autoOpen), running any pending migration then; a failed open rejects that first call. */
export function createDexieStore(name = 'tradeguard', opts: DexieStoreOptions = {}): DexieEngineStore {
  const db = new Dexie(name, { ...(opts.indexedDB ? { indexedDB: opts.indexedDB } : {}), ...(opts.IDBKeyRange ? { IDBKeyRange: opts.IDBKeyRange } : {}) });
  declareSchema(db, opts.schemaVersion);
  const write: Write = async (what, tables, fn) => {
    try {
      return await db.transaction('rw', tables, fn);
    } catch (e) {
      throw storageError(e, what);
    }
  };
  const agents = db.table<AgentRecord, string>('agents');
  const snapshots = db.table<AccountSnapshot, number>('snapshots');
  const models = db.table<StoredModel, string>('models');
  const notes = db.table<TradeNote, string>('tradeNotes');
  const settings = db.table<{ key: string; value: unknown }, string>('settings');
  const put = <T>(table: Table<T>, what: string, row: T) => write(what, [table], () => table.put(row)).then(() => undefined);
  const del = (table: Table, what: string, key: string) => write(what, [table], () => table.delete(key));

  return {
    db,
    ...dexieEvents(db, write),
    bars: dexieBars(db, write),
    backtests: dexieBacktests(db, write),
    agents: {
      put: (a) => put(agents, `agent ${a.config.id}`, a),
      get: (id) => agents.get(id),
      list: () => agents.toArray(),
      delete: (id) => del(agents, `the deletion of agent ${id}`, id),
    },
    snapshots: {
      append: (s) => put(snapshots, `the account snapshot at ${new Date(s.time).toISOString()}`, { ...s }),
      list: (q = {}) => snapshots.where('time').between(q.from ?? -Infinity, q.to ?? Infinity, true, true).toArray(),
    },
    models: {
      // slice: IndexedDB would clone a view's whole underlying buffer, not just the model's bytes.
      put: (m) => put(models, `model ${m.id} (${m.bytes.length} bytes)`, { ...m, bytes: m.bytes.slice() }),
      get: (id) => models.get(id),
      list: async () => (await models.toArray()).sort((a, b) => a.id.localeCompare(b.id)),
      delete: (id) => del(models, `the deletion of model ${id}`, id),
    },
    tradeNotes: {
      put: (n) => put(notes, `the note on trade ${n.tradeId}`, { tradeId: n.tradeId, note: n.note, tags: normalizeTags(n.tags), updatedAt: n.updatedAt }),
      get: (id) => notes.get(id),
      list: (q = {}) => (q.tag === undefined ? notes.toArray() : notes.where('tags').equals(q.tag).toArray()),
    },
    cells: {
      // Looked up on use: a database opened at an older schema (migration tests) has no cells table.
      put: (c) => put(db.table<Cell, string>('cells'), `cell ${c.id}`, c),
      get: (id) => db.table<Cell, string>('cells').get(id),
      list: async () => (await db.table<Cell, string>('cells').toArray()).sort(cellOrder),
    },
    settings: {
      get: async <T>(key: string) => (await settings.get(key))?.value as T | undefined,
      put: async (key, value) => put(settings, `setting ${key}`, { key, value: settingValue(key, value) }),
      delete: (key) => del(settings, `the deletion of setting ${key}`, key),
      list: () => settings.toArray(),
    },
    close: async () => db.close(),
  };
}
