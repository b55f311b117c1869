import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromExactJson, toExactJson } from '../../workers/store/exact-json.ts';
import { BACKTEST_RECORD_FORMAT, isRecordId, newestFirst, summarize, type BacktestHistory, type BacktestRecord, type BacktestSummary } from '../../workers/backtest/stored-run.ts';

/**
 * The CLI's backtest history: one JSON file per run, DIR/<id>.json, beside the model registry
 * (.tradeguard/models). A folder, not the relay's SQLite file: the CLI runs without a relay,
 * the relay's database belongs to one workspace (demo or live) and is held open while it runs,
 * and a relay can later serve these files as they are (the same BacktestRecord the PWA stores).
 * Numbers are exact (a profit factor of Infinity stays Infinity: exact-json.ts).
 */
export const DEFAULT_BACKTESTS_DIR = '.tradeguard/backtests';

export interface DirBacktestHistory extends BacktestHistory {
  readonly dir: string;
  /** Every run the folder holds (newest first), and the files in it that are not a readable run, each with why. */
  scan(): Promise<{ runs: BacktestRecord[]; unreadable: string[] }>;
}

export function createDirBacktestHistory(dir: string): DirBacktestHistory {
  const file = (id: string) => {
    // An id reaches a path: only the shape backtestRecord makes (no '/', no '..').
    if (!isRecordId(id)) throw new Error(`"${id}" is not a backtest id (they look like bt-20250101-120000-1a2b3c)`);
    return join(dir, `${id}.json`);
  };
  const read = (path: string): BacktestRecord => {
    const r = fromExactJson<BacktestRecord>(readFileSync(path, 'utf8'));
    if (r?.format !== BACKTEST_RECORD_FORMAT) throw new Error(`not a ${BACKTEST_RECORD_FORMAT} record (format ${JSON.stringify(r?.format)})`);
    return r;
  };
  const scan = async () => {
    if (!existsSync(dir)) return { runs: [], unreadable: [] };
    const runs: BacktestRecord[] = [];
    const unreadable: string[] = [];
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
      try {
        runs.push(read(join(dir, name)));
      } catch (e) {
        unreadable.push(`${name}: ${(e as Error).message}`);
      }
    }
    return { runs: newestFirst(runs), unreadable };
  };
  return {
    dir,
    scan,
    async put(r) {
      mkdirSync(dir, { recursive: true });
      const path = file(r.id);
      // Written whole then renamed: a crash mid-write never leaves half a run under its id.
      writeFileSync(`${path}.tmp`, toExactJson(r));
      renameSync(`${path}.tmp`, path);
    },
    async get(id) {
      const path = file(id);
      return existsSync(path) ? read(path) : undefined;
    },
    async list(): Promise<BacktestSummary[]> {
      return (await scan()).runs.map(summarize);
    },
    async delete(id) {
      rmSync(file(id), { force: true });
    },
  };
}
