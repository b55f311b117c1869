import type { Dexie, Transaction } from 'dexie';
import { normalizeTags } from '../../workers/store/store.ts';

/**
 * The IndexedDB schema, one entry per version, oldest first. THIS is where a
 * migration goes: append { version: n + 1, stores: { <only the tables that change> },
 * upgrade } and never edit a released entry. Dexie opens an older database by
 * running every later entry's `upgrade` in one versionchange transaction (all
 * or nothing), so the upgrade sees the old rows and rewrites them. A table set
 * to null is deleted. tests/store/dexie-store.test.ts opens a version-1
 * database with data, then the current one, and checks the upgrade.
 *
 * Keys: bars are chunks keyed [series+start] (bar-chunks.ts); events by seq with a
 * unique id; each view row keeps the seq of the event that began it (for order).
 */
export interface SchemaVersion {
  version: number;
  stores: Record<string, string | null>;
  upgrade?: (tx: Transaction) => Promise<unknown>;
}

export const DEXIE_SCHEMA: readonly SchemaVersion[] = [
  {
    version: 1,
    stores: {
      barChunks: '[series+start]',
      barSeries: 'series',
      events: 'seq, &id',
      decisions: 'seq, agentId',
      orders: 'clientOrderId, seq',
      trades: 'seq, agentId',
      positions: 'positionId, seq',
      agents: 'config.id',
      snapshots: 'time',
      models: 'id',
      tradeNotes: 'tradeId',
      settings: 'key',
    },
  },
  {
    // v2: notes are found by tag (a multi-entry index), so tags are stored normalised.
    version: 2,
    stores: { tradeNotes: 'tradeId, *tags' },
    upgrade: (tx) =>
      tx
        .table('tradeNotes')
        .toCollection()
        .modify((n: { tags?: unknown }) => {
          n.tags = normalizeTags(Array.isArray(n.tags) ? n.tags.filter((t): t is string => typeof t === 'string') : []);
        }),
  },
  {
    // v3: the backtest history (dexie-backtests.ts). Two new tables, nothing else changes, so
    // the upgrade keeps every existing row as it is: the list reads the small summaries, a run
    // opened reads its whole record (curve and trades).
    version: 3,
    stores: { backtestRuns: 'id, createdAt', backtestResults: 'id' },
  },
  {
    // v4: the strategy lab's cells (workers/lab/cell.ts). One new table, nothing else changes, so the
    // upgrade keeps every existing row as it is; a cell's children are found by parentId.
    version: 4,
    stores: { cells: 'id, createdAt, parentId' },
  },
];

/** Declares versions 1..upTo on `db` (upTo < latest only in migration tests). */
export function declareSchema(db: Dexie, upTo = DEXIE_SCHEMA[DEXIE_SCHEMA.length - 1].version): void {
  for (const v of DEXIE_SCHEMA) {
    if (v.version > upTo) break;
    const declared = db.version(v.version).stores(v.stores);
    if (v.upgrade) declared.upgrade(v.upgrade);
  }
}
