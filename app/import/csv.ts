import { importBarsCsv, type ImportOptions, type ImportReport, type ImportResult } from '../../workers/market/csv.ts';
import { describeImport } from '../../workers/market/csv.ts';
import type { Timeframe } from '../../workers/market/timeframe.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { isQuotaError, StorageFullError } from '../store/storage-full.ts';

/**
 * A bar CSV from the user's disk into the store, all or nothing: the file is
 * read and every row checked before anything is written, and the write is one
 * transaction. A refused file, or a full disk, leaves the store as it was.
 */

export type ImportPhase = { phase: 'reading'; loaded: number; total: number } | { phase: 'checking' } | { phase: 'storing'; bars: number } | { phase: 'done' };

export interface CsvImportOutcome {
  ok: boolean;
  report: ImportReport;
  /** describeImport's summary in words (refusal reasons, bad rows by line, gaps, notes). */
  summary: string;
  /** Set when the rows were fine but the store refused them (storage full and the like). */
  storeError?: string;
}

/** A symbol as the store keys it; null when it is not one. */
export function symbolProblem(symbol: string): string | null {
  if (!symbol.trim()) return 'enter the symbol these bars are for (e.g. EURUSD)';
  if (!/^[A-Za-z0-9._-]{1,20}$/.test(symbol.trim())) return 'a symbol is 1 to 20 letters, digits, ".", "_" or "-"';
  return null;
}

/** Reads a file as text, reporting bytes read (large exports take a moment). */
export async function readText(file: Blob, onProgress: (loaded: number, total: number) => void): Promise<string> {
  const total = file.size;
  const reader = file.stream().getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    loaded += value.byteLength;
    parts.push(decoder.decode(value, { stream: true }));
    onProgress(loaded, total);
  }
  parts.push(decoder.decode());
  return parts.join('');
}

const nextFrame = () => new Promise<void>((r) => setTimeout(r, 0));

/** Reads and checks a CSV file somewhere (csv.worker.ts exposes this; `parseHere` is the same on this thread). */
export interface CsvParseApi {
  parse(file: Blob, opts: ImportOptions, onProgress: (loaded: number, total: number) => void): Promise<ImportResult>;
}

export const parseHere: CsvParseApi['parse'] = async (file, opts, onProgress) => {
  const text = await readText(file, onProgress);
  // Let the progress paint before the (synchronous) row check runs.
  await nextFrame();
  return importBarsCsv(text, opts);
};

export async function importCsvFile(
  store: Pick<EngineStore, 'bars'>,
  file: Blob,
  opts: { symbol: string; timeframe?: Timeframe; skipBadRows?: boolean; parse?: CsvParseApi['parse'] },
  onPhase: (p: ImportPhase) => void = () => {},
): Promise<CsvImportOutcome> {
  const parse = opts.parse ?? parseHere;
  let parsed = false;
  const result = await parse(file, { symbol: opts.symbol.trim().toUpperCase(), ...(opts.timeframe ? { timeframe: opts.timeframe } : {}), skipBadRows: opts.skipBadRows === true }, (loaded, total) => {
    // Progress from a worker travels apart from its result and may land after it.
    if (!parsed) onPhase(loaded < total ? { phase: 'reading', loaded, total } : { phase: 'checking' });
  }).finally(() => (parsed = true));
  const summary = describeImport(result.report);
  if (!result.ok || !result.series) {
    onPhase({ phase: 'done' });
    return { ok: false, report: result.report, summary };
  }
  onPhase({ phase: 'storing', bars: result.series.time.length });
  try {
    await store.bars.put(result.series);
  } catch (e) {
    onPhase({ phase: 'done' });
    const full = e instanceof StorageFullError ? e : isQuotaError(e) ? new StorageFullError(`${result.series.time.length} bars of ${result.series.symbol}`, { cause: e }) : null;
    return { ok: false, report: { ...result.report, ok: false, rowsImported: 0 }, summary, storeError: full ? full.message : `The store refused the bars; nothing was stored: ${e instanceof Error ? e.message : String(e)}` };
  }
  onPhase({ phase: 'done' });
  return { ok: true, report: result.report, summary };
}
