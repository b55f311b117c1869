import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { fromExactJson, toExactJson } from '../../workers/store/exact-json.ts';
import { normalizeTags } from '../../workers/store/store.ts';

/**
 * The relay's SQLite schema. PRAGMA user_version is the number of MIGRATIONS applied;
 * a migration is added by APPENDING a function here (never editing a released one).
 * Each pending one runs in its own transaction together with the user_version bump,
 * so a failed upgrade leaves the file at the previous version.
 */
export const MIGRATIONS: readonly ((db: Database.Database) => void)[] = [
  // 1: bars as columnar chunks (workers/store/bar-chunks.ts); events by seq with a unique id; views keep
  // the seq of the event that began them; records are exact JSON (workers/store/exact-json.ts).
  (db) =>
    db.exec(`
      CREATE TABLE bar_chunks (series TEXT NOT NULL, start REAL NOT NULL, end REAL NOT NULL, count INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (series, start));
      CREATE TABLE bar_series (series TEXT PRIMARY KEY, symbol TEXT NOT NULL, timeframe TEXT NOT NULL, count INTEGER NOT NULL, first REAL NOT NULL, last REAL NOT NULL);
      CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, record TEXT NOT NULL);
      CREATE TABLE decisions (seq INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, symbol TEXT NOT NULL, time REAL NOT NULL, record TEXT NOT NULL);
      CREATE INDEX decisions_agent ON decisions (agent_id, seq);
      CREATE TABLE orders (client_order_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, record TEXT NOT NULL);
      CREATE INDEX orders_seq ON orders (seq);
      CREATE TABLE trades (seq INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, record TEXT NOT NULL);
      CREATE TABLE positions (position_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, record TEXT NOT NULL);
      CREATE TABLE agents (id TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE snapshots (time REAL PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE models (id TEXT PRIMARY KEY, record TEXT NOT NULL, bytes BLOB NOT NULL);
      CREATE TABLE trade_notes (trade_id TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `),
  // 2: notes are found by tag, so tags are stored normalised (as the IndexedDB store's version 2).
  (db) => {
    const update = db.prepare('UPDATE trade_notes SET record = ? WHERE trade_id = ?');
    for (const row of db.prepare('SELECT trade_id, record FROM trade_notes').all() as { trade_id: string; record: string }[]) {
      const n = fromExactJson<{ tags?: unknown }>(row.record);
      n.tags = normalizeTags(Array.isArray(n.tags) ? n.tags.filter((t): t is string => typeof t === 'string') : []);
      update.run(toExactJson(n), row.trade_id);
    }
  },
  // 3: the alert outbox (relay/notify/outbox.ts): one row per alert and channel, stored before it is sent;
  // seq is the sending order, a digest row stands for the rows folded into it after an outage.
  (db) =>
    db.exec(`
      CREATE TABLE alert_outbox (seq INTEGER PRIMARY KEY, channel TEXT NOT NULL, alert_id TEXT NOT NULL, type TEXT NOT NULL, stands_alone INTEGER NOT NULL, silent INTEGER NOT NULL,
        alert_time REAL NOT NULL, record TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, queued_at REAL NOT NULL, done_at REAL, error TEXT, digest_seq INTEGER,
        UNIQUE (channel, alert_id));
      CREATE INDEX alert_outbox_state ON alert_outbox (channel, state, seq);
    `),
  // 4: the strategy lab's cells (workers/lab/cell.ts), one exact-JSON record each; a new table, nothing else changes.
  (db) => db.exec('CREATE TABLE cells (id TEXT PRIMARY KEY, created_at REAL NOT NULL, record TEXT NOT NULL);'),
  // 5: a decision is stored once, as its event; the decisions view keeps only the columns it is found by. A decision
  // whose id is the one eventId.decision gives it is found by (bar_time, agent_id, symbol), a key that follows time,
  // and its events row holds its seq as an 8-byte BLOB in place of the id text (sqlite-events.ts says why). Rows
  // stored before keep their id text and a NULL bar_time; both kinds are read alike.
  (db) =>
    db.exec(`
      ALTER TABLE decisions DROP COLUMN record;
      ALTER TABLE decisions ADD COLUMN bar_time REAL;
      CREATE UNIQUE INDEX decisions_bar ON decisions (bar_time, agent_id, symbol);
    `),
];

/** Brings the file to `target` (default: the latest version); refuses a file from a newer TradeGuard. */
export function migrate(db: Database.Database, file: string, target = MIGRATIONS.length): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) throw new Error(`${file}: database schema version ${version} is newer than this relay knows (${MIGRATIONS.length}); upgrade TradeGuard. The file was left as it is.`);
  if (version === 0) {
    // Another program's database: creating our tables in it would change a file that is not ours.
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    if (tables.length) throw new Error(`${file} is an SQLite database of another program (tables: ${tables.slice(0, 5).join(', ')}), not a TradeGuard workspace. The file was left as it is; give the relay another file.`);
  }
  for (let v = version; v < target; v++) {
    db.transaction(() => {
      MIGRATIONS[v](db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/**
 * Refuses a file that is not a whole SQLite database BEFORE SQLite opens it, so it is
 * never written to: SQLite would report random bytes only at the first query, and a
 * truncated file only when a query reaches a missing page.
 */
export function checkDatabaseFile(file: string): void {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return; // a new database
  }
  if (size === 0) return;
  const damaged = (why: string) =>
    new Error(`${file} is not a usable TradeGuard database: ${why}. The file was left exactly as it is; move it away (or restore a backup) and start the relay again.`);
  const head = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 100 || head.toString('latin1', 0, 16) !== 'SQLite format 3\0') throw damaged('it is not an SQLite file (its first bytes are not the SQLite header)');
  const raw = head.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw damaged(`its header names an impossible page size (${raw})`);
  const pages = head.readUInt32BE(28);
  const headerCountValid = pages > 0 && head.readUInt32BE(24) === head.readUInt32BE(92);
  if (headerCountValid && size < pages * pageSize) throw damaged(`it is truncated (${size} bytes, its header says ${pages * pageSize})`);
  if (size % pageSize !== 0) throw damaged(`its size (${size} bytes) is not a whole number of ${pageSize}-byte pages, so it is truncated or damaged`);
}
