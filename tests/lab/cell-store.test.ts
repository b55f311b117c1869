import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { openSqliteStore } from '../../relay/store/sqlite-store.ts';
import { MIGRATIONS } from '../../relay/store/sqlite-schema.ts';
import { createDexieStore } from '../../app/store/dexie-store.ts';
import { DEXIE_SCHEMA } from '../../app/store/dexie-schema.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import type { Cell } from '../../workers/lab/cell.ts';
import { BUILTIN_CELLS } from '../../workers/lab/builtin-cells.ts';
import { exportWorkspace, importWorkspace, readBackup } from '../../workers/store/backup.ts';

const parent: Cell = {
  id: 'sma-cross',
  name: 'sma-cross',
  source: BUILTIN_CELLS[0].source,
  parentId: null,
  mutation: null,
  author: { kind: 'person', name: 'TradeGuard' },
  category: 'momentum',
  hypothesis: 'A faster average crossing a slower one starts a trend.',
  createdAt: Date.UTC(2026, 0, 2),
  generation: 0,
  // A run without a losing trade has an infinite profit factor: every store must keep it.
  results: [{ period: { from: 1, to: 2 }, symbol: 'EURUSD', timeframe: 'H1', metrics: { trades: 3, net: 12.5, totalReturnPct: 0.125, sharpe: 1.5, profitFactor: Infinity, maxDrawdownPct: 0.5, winRatePct: 100 } }],
  status: { alive: true },
};
const child: Cell = {
  ...parent,
  id: 'sma-cross-8-1a2b3c4d',
  source: parent.source.replaceAll('10)', '8)'),
  parentId: 'sma-cross',
  mutation: 'fast average 10 -> 8',
  author: { kind: 'tool', name: 'gpt-lab-script' },
  createdAt: Date.UTC(2026, 0, 1), // earlier than its parent on purpose: the list is by creation time
  generation: 1,
  results: [],
  status: { alive: false, failing: 'run-time error at bar 7: boom', error: { bar: 7, message: 'boom' } },
};

async function roundTrip(store: EngineStore, reopen?: () => Promise<EngineStore>) {
  expect(await store.cells.list()).toEqual([]);
  expect(await store.cells.get('sma-cross')).toBeUndefined();
  await store.cells.put(parent);
  await store.cells.put(child);
  let s = reopen ? await reopen() : store;
  expect(await s.cells.get('sma-cross')).toEqual(parent);
  expect((await s.cells.get('sma-cross'))!.results[0].metrics.profitFactor).toBe(Infinity);
  expect(await s.cells.get(child.id)).toEqual(child);
  expect((await s.cells.list()).map((c) => c.id)).toEqual([child.id, 'sma-cross']);
  // A re-test replaces the record under the same id.
  await s.cells.put({ ...parent, status: { alive: false, failing: 'no trades on EURUSD H1' } });
  s = reopen ? await reopen() : s;
  expect((await s.cells.get('sma-cross'))!.status).toEqual({ alive: false, failing: 'no trades on EURUSD H1' });
  expect((await s.cells.list()).length).toBe(2);
  // What a caller holds is a copy.
  const got = (await s.cells.get(child.id))!;
  got.results.push(parent.results[0]);
  expect((await s.cells.get(child.id))!.results).toEqual([]);
}

describe('cells in the engine store', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'tg-cells-'));
    dirs.push(d);
    return join(d, 'workspace.db');
  };

  it('memory', async () => roundTrip(createMemoryStore()));

  it('SQLite, across a reopen', async () => {
    const file = tmp();
    let store = openSqliteStore(file);
    await roundTrip(store, async () => {
      store.close();
      return (store = openSqliteStore(file));
    });
    store.close();
  });

  it('SQLite: a workspace from before the cells (version 3) gains the cells table and keeps its rows', async () => {
    const file = tmp();
    const old = openSqliteStore(file, { schemaVersion: 3 }); // migration 4 adds the cells table
    await old.tradeNotes.put({ tradeId: 'p1', note: 'kept', tags: ['a'], updatedAt: 1 });
    expect(old.db.prepare("SELECT name FROM sqlite_master WHERE name = 'cells'").get()).toBeUndefined();
    old.close();
    const now = openSqliteStore(file);
    expect(now.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect((await now.tradeNotes.get('p1'))!.note).toBe('kept');
    await now.cells.put(parent);
    expect(await now.cells.list()).toEqual([parent]);
    now.close();
    expect(new Database(file).prepare('SELECT count(*) AS n FROM cells').get()).toEqual({ n: 1 });
  });

  it('IndexedDB (Dexie), across a reopen', async () => {
    const opts = { indexedDB: new IDBFactory(), IDBKeyRange };
    let store = createDexieStore('cells-roundtrip', opts);
    await roundTrip(store, async () => {
      await store.close();
      return (store = createDexieStore('cells-roundtrip', opts));
    });
    await store.close();
  });

  it('IndexedDB: a database of the previous version upgrades without losing a row', async () => {
    const opts = { indexedDB: new IDBFactory(), IDBKeyRange };
    const previous = DEXIE_SCHEMA[DEXIE_SCHEMA.length - 2].version;
    const old = createDexieStore('cells-upgrade', { ...opts, schemaVersion: previous });
    await old.tradeNotes.put({ tradeId: 'p1', note: 'kept', tags: ['a'], updatedAt: 1 });
    await old.agents.list();
    expect(old.db.verno).toBe(previous);
    await old.close();
    const now = createDexieStore('cells-upgrade', opts);
    await now.cells.put(child);
    expect(now.db.verno).toBe(DEXIE_SCHEMA[DEXIE_SCHEMA.length - 1].version);
    expect((await now.tradeNotes.get('p1'))!.note).toBe('kept');
    expect(await now.cells.get(child.id)).toEqual(child);
    await now.close();
  });

  it('a workspace backup carries the cells: memory -> SQLite exactly, and a restore into a store holding cells is refused', async () => {
    const from = createMemoryStore();
    await from.cells.put(parent);
    await from.cells.put(child);
    const bytes = await exportWorkspace(from, { now: () => 0 });
    expect(readBackup(bytes).header.cells).toEqual([child, parent]);
    const to = openSqliteStore(tmp());
    await importWorkspace(to, bytes);
    expect(await to.cells.list()).toEqual(await from.cells.list());
    to.close();
    const busy = createMemoryStore();
    await busy.cells.put(parent);
    await expect(importWorkspace(busy, bytes)).rejects.toThrow('it holds 1 cells');
  });
});
