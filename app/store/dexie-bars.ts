import type Dexie from 'dexie';
import type { BarRepository } from '../../workers/store/store.ts';
import { checkSeries, planPut, seriesFromChunks, seriesKey, type BarChunk } from '../../workers/store/bar-chunks.ts';
import type { Timeframe } from '../../workers/market/timeframe.ts';
import type { Write } from './dexie-store.ts';

export interface ChunkRow extends BarChunk {
  series: string;
}

export interface SeriesRow {
  series: string;
  symbol: string;
  timeframe: Timeframe;
  count: number;
  first: number;
  last: number;
}

/** Bars as columnar chunks (workers/store/bar-chunks.ts); each put is one transaction over chunks and the series' summary. */
export function dexieBars(db: Dexie, write: Write): BarRepository {
  const chunks = db.table<ChunkRow, [string, number]>('barChunks');
  const series = db.table<SeriesRow, string>('barSeries');
  const at = (key: string, lo: number, hi: number, includeLower: boolean) => chunks.where('[series+start]').between([key, lo], [key, hi], includeLower, true);
  /** The chunk holding time t (the last one starting at or before it), and those starting after t up to `to`. */
  const around = async (key: string, t: number, to: number) => ({ prev: await at(key, -Infinity, t, true).last(), rest: await at(key, t, to, false).toArray() });

  return {
    async put(s) {
      checkSeries(s);
      const n = s.time.length;
      if (n === 0) return;
      const key = seriesKey(s.symbol, s.timeframe);
      await write(`${n} bars of ${s.symbol} ${s.timeframe}`, [chunks, series], async () => {
        const { prev, rest } = await around(key, s.time[0], s.time[n - 1]);
        const plan = planPut(s, prev, rest);
        if (plan.remove.length) await chunks.bulkDelete(plan.remove.map((start): [string, number] => [key, start]));
        await chunks.bulkPut(plan.write.map((c) => ({ series: key, ...c })));
        const meta = await series.get(key);
        await series.put({ series: key, symbol: s.symbol, timeframe: s.timeframe, count: plan.count(meta?.count ?? 0), first: Math.min(meta?.first ?? Infinity, s.time[0]), last: Math.max(meta?.last ?? -Infinity, s.time[n - 1]) });
      });
    },
    async get(symbol, timeframe, range = {}) {
      const key = seriesKey(symbol, timeframe);
      const from = range.from ?? -Infinity;
      const to = range.to ?? Infinity;
      return db.transaction('r', [chunks, series], async () => {
        if (!(await series.get(key))) return null;
        if (!(to >= from)) return seriesFromChunks(symbol, timeframe, []);
        const { prev, rest } = await around(key, from, to);
        return seriesFromChunks(symbol, timeframe, prev ? [prev, ...rest] : rest, from, to);
      });
    },
    async list() {
      return (await series.toArray()).map(({ symbol, timeframe, count, first, last }) => ({ symbol, timeframe, count, first, last }));
    },
    async delete(symbol, timeframe) {
      const key = seriesKey(symbol, timeframe);
      await write(`the deletion of ${symbol} ${timeframe}`, [chunks, series], async () => {
        await at(key, -Infinity, Infinity, true).delete();
        await series.delete(key);
      });
    },
  };
}
