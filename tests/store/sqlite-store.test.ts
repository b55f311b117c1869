import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../relay/store/sqlite-store.ts';
import { MIGRATIONS } from '../../relay/store/sqlite-schema.ts';
import { agentRecord, barsAt, dumpWorkspace, eventBatches, expectSameBars, modelBytes, range } from './helpers.ts';

const dirs: string[] = [];
const newFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tradeguard-sqlite-'));
  dirs.push(dir);
  return join(dir, 'workspace.db');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SQLite store: the file', () => {
  it('runs in WAL mode with synchronous=NORMAL and keeps bars as chunks in BLOBs', async () => {
    const file = newFile();
    const s = openSqliteStore(file);
    expect(s.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    await s.bars.put(barsAt('EURUSD', range(0, 60_000), 1));
    s.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // bar-codec.ts: a 16-byte head, time as 4-byte steps, five Float64 columns (they hold NaN, -0 and irrational prices).
    const bytes = (n: number) => 16 + n * (4 + 5 * 8);
    expect(db.prepare('SELECT count, length(data) AS bytes FROM bar_chunks ORDER BY start').all()).toEqual([
      { count: 25_000, bytes: bytes(25_000) },
      { count: 25_000, bytes: bytes(25_000) },
      { count: 10_000, bytes: bytes(10_000) },
    ]);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });

  it('refuses a file of random bytes, naming it, and leaves it byte for byte as it was', () => {
    const file = newFile();
    const junk = modelBytes(64 * 1024, 3);
    writeFileSync(file, junk);
    expect(() => openSqliteStore(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a usable TradeGuard database: it is not an SQLite file.*left exactly as it is`));
    expect(Buffer.compare(readFileSync(file), junk)).toBe(0);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('refuses a truncated database, naming it, and does not touch it', async () => {
    const file = newFile();
    const s = openSqliteStore(file);
    await s.bars.put(barsAt('EURUSD', range(0, 60_000), 1));
    s.close();
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const before = readFileSync(file);
    expect(() => openSqliteStore(file)).toThrow(/workspace\.db is not a usable TradeGuard database: it is truncated/);
    expect(Buffer.compare(readFileSync(file), before)).toBe(0);
  });

  it("refuses another program's SQLite database and adds nothing to it", () => {
    const file = newFile();
    const db = new Database(file);
    db.exec('CREATE TABLE contacts (name TEXT)');
    db.close();
    expect(() => openSqliteStore(file)).toThrow(/workspace\.db is an SQLite database of another program \(tables: contacts\), not a TradeGuard workspace/);
    const after = new Database(file, { readonly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: 'contacts' }]);
    after.close();
  });

  it('refuses a database from a newer TradeGuard', () => {
    const file = newFile();
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openSqliteStore(file)).toThrow(/schema version \d+ is newer than this relay knows.*left as it is/);
  });
});

describe('SQLite store: every write lands whole or not at all', () => {
  it('a bar put that fails on its last chunk leaves the stored bars as they were', async () => {
    const s = openSqliteStore(newFile());
    const before = barsAt('EURUSD', range(0, 30_000), 1);
    await s.bars.put(before);
    const db = new Database(s.file);
    db.exec(`CREATE TRIGGER fail_chunk BEFORE INSERT ON bar_chunks WHEN NEW.start = ${50_000 * 3_600_000} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    db.close();
    await expect(s.bars.put(barsAt('EURUSD', range(10_000, 50_000), 2))).rejects.toThrow(/injected failure/);
    expectSameBars(await s.bars.get('EURUSD', 'H1'), before);
    expect((await s.bars.list())[0].count).toBe(30_000);
    s.close();
  });

  it('an append that fails while writing a view leaves no event and no view row behind', async () => {
    const s = openSqliteStore(newFile());
    const [first, second] = eventBatches();
    await s.events.append(first);
    const before = await dumpWorkspace(s);
    const db = new Database(s.file);
    db.exec(`CREATE TRIGGER fail_trade BEFORE INSERT ON trades BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    db.close();
    await expect(s.events.append(second)).rejects.toThrow(/injected failure/);
    expect(await dumpWorkspace(s)).toEqual(before);
    s.close();
  });
});

describe('SQLite store: schema migrations', () => {
  it('opens a version-1 file with data and upgrades it to the current version', async () => {
    const file = newFile();
    const v1 = openSqliteStore(file, { schemaVersion: 1 });
    await v1.agents.put(agentRecord('keep', 1));
    v1.close();
    const db = new Database(file);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.prepare('INSERT INTO trade_notes (trade_id, record) VALUES (?, ?)').run('p1', JSON.stringify({ tradeId: 'p1', note: 'old', tags: [' fomo', 'fomo', '', 7, 'news'], updatedAt: 1 }));
    db.close();
    const s = openSqliteStore(file);
    expect(await s.tradeNotes.get('p1')).toEqual({ tradeId: 'p1', note: 'old', tags: ['fomo', 'news'], updatedAt: 1 });
    expect((await s.agents.get('keep'))?.config.id).toBe('keep');
    s.close();
  });
});
