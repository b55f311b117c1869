import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BarSeries } from '../../workers/market/bar.ts';
import { describeImport } from '../../workers/market/csv.ts';
import { DEFAULT_CSV_CACHE_DIR, importCsvFileCached, type CachedImport } from '../ops/csv-import-cache.ts';
import { guessFromFileName } from '../../workers/market/csv-name.ts';
import { parseTimeframe, type Timeframe } from '../../workers/market/timeframe.ts';
import { BUNDLED_DATA } from '../../workers/engine/demo.ts';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The bundled real EURUSD hourly file (what commands use when no --data is given). */
export const DEFAULT_DATA = join(projectRoot, 'public', BUNDLED_DATA.EURUSD);

export { UserError } from './user-error.ts';
import { UserError } from './user-error.ts';

/** An option's value the engine refuses is a usage error (exit 2), like any other bad option, named by its flag. */
export function optionValue<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UserError(`${flag}: ${(e as Error).message}`);
  }
}

/** --timeframe: a wrong one is a usage error (exit 2). */
export function timeframeOption(text: string): Timeframe {
  return optionValue('--timeframe', () => parseTimeframe(text));
}

/**
 * Reads and imports a CSV for a command. The symbol defaults to the one the file
 * name shows (EURUSD.csv and BAD_EURUSD_H1.csv -> EURUSD; workers/market/csv-name.ts). Bad rows stop the command with the import report,
 * unless --skip-bad-rows. A large file imported before with the same content
 * and options comes from the import cache instead of being parsed again.
 */
export function loadBars(opts: { data?: string; symbol?: string; timeframe?: string; skipBadRows?: boolean }, log: (s: string) => void): BarSeries {
  const path = opts.data ?? DEFAULT_DATA;
  // The PWA's guess (BAD_EURUSD_H1.csv is EURUSD); a name with no symbol-like word stays whole, as before.
  const symbol = (opts.symbol ?? (guessFromFileName(path).symbol || basename(path).replace(/\.[^.]*$/, ''))).toUpperCase();
  // Large files' imports are kept by content hash (relay/ops/csv-import-cache.ts); TG_CSV_CACHE_DIR=off turns that off.
  const cacheDir = process.env.TG_CSV_CACHE_DIR === 'off' ? null : (process.env.TG_CSV_CACHE_DIR ?? DEFAULT_CSV_CACHE_DIR);
  const importOpts = { symbol, timeframe: opts.timeframe ? timeframeOption(opts.timeframe) : undefined, skipBadRows: opts.skipBadRows };
  let imported: CachedImport;
  try {
    // Read in pieces and never held whole (relay/ops/csv-stream.ts): a file larger than memory imports too.
    imported = importCsvFileCached(path, importOpts, cacheDir);
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const { result, cached } = imported;
  if (!result.ok || !result.series) throw new UserError(`${path}: ${describeImport(result.report)}`);
  log(describeImport(result.report));
  if (cached) log(`(read from the import cache in ${cacheDir}: the file is unchanged since its last import)`);
  return result.series;
}
