/**
 * Imported CSV series kept as columns on disk, keyed by the file's content
 * hash: a second backtest of the same 100 MB file reads six Float64 columns
 * (a hash and a copy) instead of parsing a million rows again. A file whose
 * content changed has another hash, so it is parsed afresh; a cache entry
 * that cannot be read is ignored and written again. Only good imports are
 * kept: a refused file is parsed again each time, to report it again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BarSeries } from '../../workers/market/bar.ts';
import { importBarsCsvBytes } from '../../workers/market/csv.ts';
import type { ImportOptions, ImportResult } from '../../workers/market/csv.ts';
import type { ImportReport } from '../../workers/market/csv-report.ts';
import { CSV_STREAM_PIECE_BYTES, importCsvFile, sha256File } from './csv-stream.ts';

/** Where the command line keeps it, beside .tradeguard/backtests and .tradeguard/models. */
export const DEFAULT_CSV_CACHE_DIR = '.tradeguard/csv-cache';
/** Smaller files parse in a few milliseconds: caching them would only leave files behind. */
export const CSV_CACHE_MIN_BYTES = 4 * 2 ** 20;
/** Entries kept, the most recently used; older ones are removed when a new one is written. */
const KEEP_ENTRIES = 8;
/** Bumped when the importer reads a file differently, so no entry from an older importer is used. */
const FORMAT = 1;
const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

interface Entry {
  format: number;
  rows: number;
  symbol: string;
  timeframe: BarSeries['timeframe'];
  report: ImportReport;
}

/** The entry's name: the content hash (SHA-256, hex) with the options that change what an import gives. */
function entryKey(content: string, opts: ImportOptions): string {
  const options = createHash('sha256').update(JSON.stringify([FORMAT, opts.symbol, opts.timeframe ?? null, opts.skipBadRows === true])).digest('hex');
  return `${content.slice(0, 32)}-${options.slice(0, 12)}`;
}

/** A column file as a Float64Array (copied only when the read buffer is not 8-byte aligned). */
function column(path: string, rows: number): Float64Array | null {
  const b = readFileSync(path);
  if (b.byteLength !== rows * 8) return null;
  if (b.byteOffset % 8 === 0) return new Float64Array(b.buffer, b.byteOffset, rows);
  return new Float64Array(new Uint8Array(b).buffer, 0, rows);
}

function readEntry(dir: string): ImportResult | null {
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Entry;
    if (meta.format !== FORMAT) return null;
    const cols: Float64Array[] = [];
    for (const name of COLUMNS) {
      const c = column(join(dir, `${name}.f64`), meta.rows);
      if (!c) return null;
      cols.push(c);
    }
    const [time, open, high, low, close, volume] = cols;
    writeFileSync(join(dir, 'used'), ''); // its time says when it was last used, for pruning
    return { ok: true, series: { symbol: meta.symbol, timeframe: meta.timeframe, time, open, high, low, close, volume }, report: meta.report };
  } catch {
    return null;
  }
}

function writeEntry(root: string, key: string, s: BarSeries, report: ImportReport): void {
  mkdirSync(root, { recursive: true });
  const tmp = join(root, `.${key}.${process.pid}.tmp`);
  mkdirSync(tmp, { recursive: true });
  for (const name of COLUMNS) {
    const c = s[name];
    writeFileSync(join(tmp, `${name}.f64`), new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  }
  const meta: Entry = { format: FORMAT, rows: s.time.length, symbol: s.symbol, timeframe: s.timeframe, report };
  writeFileSync(join(tmp, 'meta.json'), JSON.stringify(meta));
  writeFileSync(join(tmp, 'used'), '');
  const dir = join(root, key);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  prune(root);
}

/** Removes all but the KEEP_ENTRIES most recently used entries. */
function prune(root: string): void {
  const entries = readdirSync(root)
    .filter((n) => !n.startsWith('.'))
    .map((n) => ({ n, t: existsSync(join(root, n, 'used')) ? statSync(join(root, n, 'used')).mtimeMs : 0 }))
    .sort((a, b) => b.t - a.t);
  for (const e of entries.slice(KEEP_ENTRIES)) rmSync(join(root, e.n), { recursive: true, force: true });
}

/** What importCsvCached did: the import, and whether it came from the cache. */
export interface CachedImport {
  result: ImportResult;
  cached: boolean;
}

/**
 * importBarsCsvBytes, with its good result kept in `cacheDir` for files of at
 * least CSV_CACHE_MIN_BYTES, and taken from there when the same content is
 * imported with the same options. A cache that cannot be written (a read-only
 * folder) costs nothing but the saving.
 */
export function importCsvCached(bytes: Uint8Array, opts: ImportOptions, cacheDir: string | null): CachedImport {
  if (!cacheDir || bytes.byteLength < CSV_CACHE_MIN_BYTES) return { result: importBarsCsvBytes(bytes, opts), cached: false };
  return throughCache(createHash('sha256').update(bytes).digest('hex'), opts, cacheDir, () => importBarsCsvBytes(bytes, opts));
}

/**
 * importCsvCached for a file on disk, never held whole: it is read in pieces
 * of `pieceBytes` (relay/ops/csv-stream.ts), once to hash it (the same key as
 * importCsvCached's over its bytes, so entries made either way are found) and,
 * unless the cache has it, once more to import it: the key must be known
 * before the parse it may save. File system errors are thrown.
 */
export function importCsvFileCached(path: string, opts: ImportOptions, cacheDir: string | null, pieceBytes = CSV_STREAM_PIECE_BYTES): CachedImport {
  if (!cacheDir || statSync(path).size < CSV_CACHE_MIN_BYTES) return { result: importCsvFile(path, opts, pieceBytes), cached: false };
  return throughCache(sha256File(path, pieceBytes), opts, cacheDir, () => importCsvFile(path, opts, pieceBytes));
}

function throughCache(content: string, opts: ImportOptions, cacheDir: string, parse: () => ImportResult): CachedImport {
  const key = entryKey(content, opts);
  const hit = readEntry(join(cacheDir, key));
  if (hit) return { result: hit, cached: true };
  const result = parse();
  if (result.ok && result.series) {
    try {
      writeEntry(cacheDir, key, result.series, result.report);
    } catch {
      // Not kept: the next import parses again.
    }
  }
  return { result, cached: false };
}
