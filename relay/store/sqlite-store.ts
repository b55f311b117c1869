import Database from 'better-sqlite3';
import type { StoredModel } from '../../workers/models/bundle/registry.ts';
import { fromExactJson as parse, toExactJson as json } from '../../workers/store/exact-json.ts';
import { settingValue } from '../../workers/store/settings.ts';
import { cellOrder, normalizeTags, type AccountSnapshot, type AgentRecord, type EngineStore, type TradeNote } from '../../workers/store/store.ts';
import type { Cell } from '../../workers/lab/cell.ts';
import { sqliteBars } from './sqlite-bars.ts';
import { sqliteEvents } from './sqlite-events.ts';
import { checkDatabaseFile, migrate } from './sqlite-schema.ts';

/**
 * The engine's store in one SQLite file (better-sqlite3), for the relay: WAL with
 * synchronous=NORMAL (a crash can lose the last commits, never corrupt the file).
 * Every write is one transaction. A file that is not a whole TradeGuard database is
 * refused with its name and never written to. Schema: sqlite-schema.ts.
 */
export interface SqliteEngineStore extends EngineStore {
  readonly file: string;
  /** The connection, for diagnostics (pragmas); writes go through the repositories. */
  readonly db: Database.Database;
  close(): void;
}

/** Runs `fn` in one transaction; a full disk is reported as such, naming `what`. */
export type SqliteWrite = <T>(what: string, fn: () => T) => T;

/** WAL pages at which SQLite checkpoints inside a commit, should the checkpoints after writes not keep up (~40 MB). */
const WAL_BACKSTOP_PAGES = 10_000;
const CHECKPOINT_EVERY_MS = 250;

const byId = <T>(xs: T[], id: (x: T) => string) => xs.sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));

export function openSqliteStore(file: string, opts: { schemaVersion?: number } = {}): SqliteEngineStore {
  checkDatabaseFile(file);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Checkpoints run after a write, not inside it (see checkpointSoon); this is only the backstop.
    db.pragma(`wal_autocheckpoint = ${WAL_BACKSTOP_PAGES}`);
    migrate(db, file, opts.schemaVersion);
  } catch (e) {
    db.close();
    const code = (e as { code?: string }).code ?? '';
    if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) throw new Error(`${file} is not a usable TradeGuard database (${(e as Error).message}). The file was left as it is; move it away (or restore a backup) and start the relay again.`, { cause: e });
    throw e;
  }
  /**
   * SQLite's own checkpoint runs inside the commit that fills the WAL: a step's
   * write (hundreds of decisions at 200 symbols) then pays for copying pages and
   * two fsyncs, one step in a few. Here it runs once the write and what awaits it
   * are done (setImmediate: after the step's decisions are stored and pushed), at
   * most every CHECKPOINT_EVERY_MS.
   */
  let checkpointDue = false;
  let lastCheckpoint = 0;
  const checkpointSoon = () => {
    if (checkpointDue || Date.now() - lastCheckpoint < CHECKPOINT_EVERY_MS) return;
    checkpointDue = true;
    setImmediate(() => {
      checkpointDue = false;
      lastCheckpoint = Date.now();
      try {
        if (db.open) db.pragma('wal_checkpoint(PASSIVE)');
      } catch {
        // The WAL keeps every commit: a checkpoint that failed (a full disk) is tried again after the next write.
      }
    });
  };
  const write: SqliteWrite = (what, fn) => {
    try {
      const out = db.transaction(fn)();
      checkpointSoon();
      return out;
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_FULL') throw new Error(`the disk holding ${file} is full: could not store ${what}. Nothing was stored.`, { cause: e });
      throw e;
    }
  };
  /** Records of a table (exact JSON), by key or all; callers sort in JS so every store orders strings alike. */
  const record = <T>(table: string, keyColumn: string, key: string | number): T | undefined => {
    const r = db.prepare<[string | number], { record: string }>(`SELECT record FROM ${table} WHERE ${keyColumn} = ?`).get(key);
    return r === undefined ? undefined : parse<T>(r.record);
  };
  const records = <T>(table: string): T[] => db.prepare<[], { record: string }>(`SELECT record FROM ${table}`).all().map((r) => parse<T>(r.record));
  const run = (what: string, sql: string, ...args: unknown[]) => void write(what, () => db.prepare(sql).run(...args));
  const model = (r: { record: string; bytes: Buffer }): StoredModel => ({ ...parse<Omit<StoredModel, 'bytes'>>(r.record), bytes: new Uint8Array(r.bytes) });
  const snapshotsIn = db.prepare<[{ from: number | null; to: number | null }], { record: string }>(
    'SELECT record FROM snapshots WHERE (@from IS NULL OR time >= @from) AND (@to IS NULL OR time <= @to) ORDER BY time',
  );

  return {
    file,
    db,
    ...sqliteEvents(db, write),
    bars: sqliteBars(db, write),
    agents: {
      put: async (a) => run(`agent ${a.config.id}`, 'INSERT OR REPLACE INTO agents (id, record) VALUES (?, ?)', a.config.id, json(a)),
      get: async (id) => record<AgentRecord>('agents', 'id', id),
      list: async () => byId(records<AgentRecord>('agents'), (a) => a.config.id),
      delete: async (id) => run(`the deletion of agent ${id}`, 'DELETE FROM agents WHERE id = ?', id),
    },
    snapshots: {
      append: async (s) => run(`the account snapshot at ${s.time}`, 'INSERT OR REPLACE INTO snapshots (time, record) VALUES (?, ?)', s.time, json({ ...s })),
      list: async (q = {}) => snapshotsIn.all({ from: q.from ?? null, to: q.to ?? null }).map((r) => parse<AccountSnapshot>(r.record)),
    },
    models: {
      async put(m) {
        const { bytes, ...rest } = m;
        run(`model ${m.id} (${bytes.length} bytes)`, 'INSERT OR REPLACE INTO models (id, record, bytes) VALUES (?, ?, ?)', m.id, json(rest), Buffer.from(bytes));
      },
      async get(id) {
        const r = db.prepare<[string], { record: string; bytes: Buffer }>('SELECT record, bytes FROM models WHERE id = ?').get(id);
        return r && model(r);
      },
      list: async () => db.prepare<[], { record: string; bytes: Buffer }>('SELECT record, bytes FROM models').all().map(model).sort((a, b) => a.id.localeCompare(b.id)),
      delete: async (id) => run(`the deletion of model ${id}`, 'DELETE FROM models WHERE id = ?', id),
    },
    tradeNotes: {
      async put(n) {
        const note: TradeNote = { tradeId: n.tradeId, note: n.note, tags: normalizeTags(n.tags), updatedAt: n.updatedAt };
        run(`the note on trade ${n.tradeId}`, 'INSERT OR REPLACE INTO trade_notes (trade_id, record) VALUES (?, ?)', n.tradeId, json(note));
      },
      get: async (id) => record<TradeNote>('trade_notes', 'trade_id', id),
      list: async (q = {}) => byId(records<TradeNote>('trade_notes'), (n) => n.tradeId).filter((n) => q.tag === undefined || n.tags.includes(q.tag)),
    },
    cells: {
      put: async (c) => run(`cell ${c.id}`, 'INSERT OR REPLACE INTO cells (id, created_at, record) VALUES (?, ?, ?)', c.id, c.createdAt, json(c)),
      get: async (id) => record<Cell>('cells', 'id', id),
      list: async () => records<Cell>('cells').sort(cellOrder),
    },
    settings: {
      async get<T>(key: string) {
        const r = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(key);
        return r === undefined ? undefined : (JSON.parse(r.value) as T);
      },
      put: async (key, value) => run(`setting ${key}`, 'INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)', key, JSON.stringify(settingValue(key, value))),
      delete: async (key) => run(`the deletion of setting ${key}`, 'DELETE FROM settings WHERE key = ?', key),
      async list() {
        const all = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings').all();
        return byId(all.map((r) => ({ key: r.key, value: JSON.parse(r.value) as unknown })), (x) => x.key);
      },
    },
    close: () => db.close(),
  };
}
