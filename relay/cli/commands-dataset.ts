import { period } from './agent-options.ts';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { datasetCsv, DatasetRefusal, type Dataset } from '../../workers/dataset/dataset.ts';
import { datasetFromStore } from '../../workers/dataset/from-store.ts';
import { UserError } from './load-bars.ts';

type Log = (s: string) => void;

/** The relay's records in its data dir, by workspace (commands-serve.ts names them so). */
export const DB_FILES = { demo: 'tradeguard.sqlite', live: 'tradeguard-live.sqlite' } as const;

/**
 * `tradeguard dataset --agent ID [--from DATE] [--to DATE] --out F.csv [--data-dir DIR] [--workspace demo|live]`:
 * an agent's entry decisions with the feature vectors its models read and the trades' outcomes,
 * from the relay's record (read only; the relay may be running). models/README.md, "Retraining
 * on what the agent saw", describes the columns.
 */
export async function datasetCommand(argv: string[], log: Log): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: { agent: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' }, 'data-dir': { type: 'string' }, workspace: { type: 'string' } },
    strict: true,
  });
  if (!o.agent) throw new UserError('give --agent ID (the agent whose decisions to export)');
  if (!o.out) throw new UserError('give --out F.csv (where to write the rows)');
  const range = period(o.from, o.to);
  const dir = o['data-dir'] ?? './data';
  const file = recordFile(dir, o.workspace);
  // Loaded on use, as `serve` is: other commands (backtest --dataset) need no SQLite.
  const { openSqliteStore } = await import('../store/sqlite-store.ts');
  const store = openSqliteStore(file);
  let data: Dataset;
  try {
    data = await datasetFromStore(store, o.agent, range);
  } catch (e) {
    throw e instanceof DatasetRefusal ? new UserError(e.message) : e;
  } finally {
    store.close();
  }
  for (const line of writeDataset(data, o.out)) log(line);
  return 0;
}

/** Writes the rows; the lines that say what was written and what the trader should know about them. */
export function writeDataset(data: Dataset, out: string): string[] {
  writeFileSync(out, datasetCsv(data));
  return [`${data.rows.length} entry decision${data.rows.length === 1 ? '' : 's'} with their feature vectors written to ${out}`, ...data.notes.map((n) => `  note: ${n}`)];
}

/** The record to read: the named workspace's, or the only one there is. */
export function recordFile(dir: string, workspace: string | undefined): string {
  if (workspace !== undefined && workspace !== 'demo' && workspace !== 'live') throw new UserError(`--workspace must be demo or live (got ${workspace})`);
  const present = (Object.keys(DB_FILES) as (keyof typeof DB_FILES)[]).filter((w) => existsSync(join(dir, DB_FILES[w])));
  const chosen = (workspace as keyof typeof DB_FILES | undefined) ?? (present.length === 1 ? present[0] : undefined);
  if (!chosen) {
    if (present.length === 0) throw new UserError(`no relay record in ${dir} (neither ${DB_FILES.demo} nor ${DB_FILES.live}): give the relay's --data-dir`);
    throw new UserError(`${dir} holds both the demo and the live record: say which with --workspace demo or --workspace live`);
  }
  const file = join(dir, DB_FILES[chosen]);
  if (!existsSync(file)) throw new UserError(`no ${chosen} record in ${dir} (${DB_FILES[chosen]} is not there)`);
  return file;
}

