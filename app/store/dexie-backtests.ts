import type Dexie from 'dexie';
import { newestFirst, summarize, type BacktestHistory, type BacktestRecord, type BacktestSummary } from '../../workers/backtest/stored-run.ts';
import type { Write } from './dexie-store.ts';

/**
 * The PWA's backtest history in IndexedDB: each run's summary (what the list shows) and its
 * whole record (curve and trades) in two tables, written and deleted together in one
 * transaction. Records are stored as structured clones: an infinite profit factor stays one.
 * Tables are looked up on use: a database opened at an older schema (migration tests) has none.
 */
export function dexieBacktests(db: Dexie, write: Write): BacktestHistory {
  const runs = () => db.table<BacktestSummary, string>('backtestRuns');
  const results = () => db.table<BacktestRecord, string>('backtestResults');
  return {
    put: (r) =>
      write(`backtest ${r.id}`, [runs(), results()], async () => {
        await results().put(r);
        await runs().put(summarize(r));
      }),
    get: (id) => results().get(id),
    list: async () => newestFirst(await runs().orderBy('createdAt').reverse().toArray()),
    delete: (id) =>
      write(`the deletion of backtest ${id}`, [runs(), results()], async () => {
        await results().delete(id);
        await runs().delete(id);
      }),
  };
}
