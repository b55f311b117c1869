import type { BacktestHistory } from '../../workers/backtest/stored-run.ts';
import { createDexieStore } from './dexie-store.ts';

let opened: { name: string; history: BacktestHistory } | null = null;

/**
 * This browser's backtest history (IndexedDB `name`, the workspace's database). Local even when
 * the page is attached to a relay, like Settings: the runs were made here, by this browser's
 * backtest worker. Opened once per page.
 */
export function localBacktestHistory(name: string): BacktestHistory {
  if (opened?.name !== name) opened = { name, history: createDexieStore(name).backtests };
  return opened.history;
}
