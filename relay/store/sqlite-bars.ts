import type Database from 'better-sqlite3';
import type { BarRepository, StoredBarsInfo } from '../../workers/store/store.ts';
import { checkSeries, planPut, seriesFromChunks, seriesKey, type BarChunk } from '../../workers/store/bar-chunks.ts';
import type { SqliteWrite } from './sqlite-store.ts';

const blob = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** Bars as columnar chunks in BLOBs (workers/store/bar-chunks.ts); each put is one transaction. */
export function sqliteBars(db: Database.Database, write: SqliteWrite): BarRepository {
  const q = {
    prev: db.prepare<[string, number], BarChunk>('SELECT start, end, count, data FROM bar_chunks WHERE series = ? AND start <= ? ORDER BY start DESC LIMIT 1'),
    rest: db.prepare<[string, number, number], BarChunk>('SELECT start, end, count, data FROM bar_chunks WHERE series = ? AND start > ? AND start <= ? ORDER BY start'),
    all: db.prepare<[string], BarChunk>('SELECT start, end, count, data FROM bar_chunks WHERE series = ? ORDER BY start'),
    remove: db.prepare('DELETE FROM bar_chunks WHERE series = ? AND start = ?'),
    insert: db.prepare('INSERT INTO bar_chunks (series, start, end, count, data) VALUES (?, ?, ?, ?, ?)'),
    meta: db.prepare<[string], StoredBarsInfo>('SELECT symbol, timeframe, count, first, last FROM bar_series WHERE series = ?'),
    putMeta: db.prepare('INSERT OR REPLACE INTO bar_series (series, symbol, timeframe, count, first, last) VALUES (?, ?, ?, ?, ?, ?)'),
    list: db.prepare<[], StoredBarsInfo>('SELECT symbol, timeframe, count, first, last FROM bar_series ORDER BY series'),
    dropChunks: db.prepare('DELETE FROM bar_chunks WHERE series = ?'),
    dropMeta: db.prepare('DELETE FROM bar_series WHERE series = ?'),
  };
  /** The chunk holding time t (the last starting at or before it), then those starting after t up to `to`. */
  const around = (key: string, t: number, to: number) => {
    const prev = q.prev.get(key, t);
    const rest = q.rest.all(key, t, to);
    return prev ? [prev, ...rest] : rest;
  };

  return {
    async put(s) {
      checkSeries(s);
      const n = s.time.length;
      if (n === 0) return;
      const key = seriesKey(s.symbol, s.timeframe);
      write(`${n} bars of ${s.symbol} ${s.timeframe}`, () => {
        const prev = q.prev.get(key, s.time[0]);
        const plan = planPut(s, prev, q.rest.all(key, s.time[0], s.time[n - 1]));
        for (const start of plan.remove) q.remove.run(key, start);
        for (const c of plan.write) q.insert.run(key, c.start, c.end, c.count, blob(c.data));
        const meta = q.meta.get(key);
        q.putMeta.run(key, s.symbol, s.timeframe, plan.count(meta?.count ?? 0), Math.min(meta?.first ?? Infinity, s.time[0]), Math.max(meta?.last ?? -Infinity, s.time[n - 1]));
      });
    },
    async get(symbol, timeframe, range = {}) {
      const key = seriesKey(symbol, timeframe);
      const from = range.from ?? -Infinity;
      const to = range.to ?? Infinity;
      return db.transaction(() => {
        if (!q.meta.get(key)) return null;
        if (!(to >= from)) return seriesFromChunks(symbol, timeframe, []);
        const chunks = from === -Infinity && to === Infinity ? q.all.all(key) : around(key, from, to);
        return seriesFromChunks(symbol, timeframe, chunks, from, to);
      })();
    },
    async list() {
      return q.list.all();
    },
    async delete(symbol, timeframe) {
      const key = seriesKey(symbol, timeframe);
      write(`the deletion of ${symbol} ${timeframe}`, () => {
        q.dropChunks.run(key);
        q.dropMeta.run(key);
      });
    },
  };
}
