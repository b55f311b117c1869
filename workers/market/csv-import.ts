/**
 * Bar CSV import: every row is checked, and by default one bad row refuses the
 * whole file. A backtest on silently patched data is worse than no backtest.
 */
import type { BarSeries } from './bar.ts';
import type { Timeframe } from './timeframe.ts';
import { detectLayout, Role } from './csv-detect.ts';
import type { CsvLayout } from './csv-detect.ts';
import { emptyReport } from './csv-report.ts';
import type { ImportReport } from './csv-report.ts';
import { BarColumns, readRows } from './csv-rows.ts';
import { detectTimeframe, gapStats, normalizePeriodLabels } from './csv-timeframe.ts';

export interface ImportOptions {
  symbol: string;
  /** The timeframe the caller expects; the import fails when the data says otherwise. */
  timeframe?: Timeframe;
  /** Import the good rows and list the bad ones, instead of refusing the file. */
  skipBadRows?: boolean;
}

export interface ImportResult {
  ok: boolean;
  series: BarSeries | null;
  report: ImportReport;
}

/** MT5 writes both TICKVOL and VOL; for FX, VOL is all zeros and tick volume is the only activity measure. */
function chooseVolume(rows: BarColumns, layout: CsvLayout, notes: string[]): Float64Array {
  const volume = rows.trimmed(rows.volume);
  const hasVolume = layout.roles.includes(Role.volume);
  const hasTicks = layout.roles.includes(Role.tickVolume);
  if (!hasVolume && !hasTicks) notes.push('no Volume column: volumes are 0');
  if (!hasTicks || (hasVolume && volume.some((x) => x !== 0))) return volume;
  notes.push(hasVolume ? 'real volume is all zero: tick volume used as Volume' : 'tick volume used as Volume');
  return rows.trimmed(rows.tickVolume);
}

function refuse(report: ImportReport, error?: string): ImportResult {
  if (error) report.errors.push(error);
  report.ok = false;
  report.rowsImported = 0;
  return { ok: false, series: null, report };
}

/** Lines of a file's start decoded to work out its layout: the header, leading blank lines and the sample rows fit in it. */
export const HEAD_LINES = 64;
const encoder = new TextEncoder();
// ignoreBOM keeps a byte order mark in the text, so text and byte offsets stay in step (detectLayout skips it).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** A file's layout, and the byte offset of its first data line. */
export type FoundLayout = { layout: CsvLayout; bodyStart: number };

/** Offset just past the `\n` ending line `lines` of `bytes`, or -1 when it holds fewer lines. */
export function endOfLines(bytes: Uint8Array, lines: number): number {
  let end = -1;
  for (let k = 0; k < lines; k++) if ((end = bytes.indexOf(10, end + 1)) < 0) return -1;
  return end + 1;
}

/** detectLayout over these bytes (a file's start, cut at a line end, or all of it). */
export function detectLayoutBytes(bytes: Uint8Array): FoundLayout | { error: string } {
  const head = decoder.decode(bytes);
  const layout = detectLayout(head);
  if ('error' in layout) return layout;
  return { layout, bodyStart: encoder.encode(head.slice(0, layout.bodyStart)).length };
}

/** The layout from the first lines, and the byte offset of its first data line; the whole file only when those lines do not tell. */
function layoutOf(bytes: Uint8Array): FoundLayout | { error: string } {
  const headEnd = endOfLines(bytes, HEAD_LINES);
  const found = detectLayoutBytes(headEnd < 0 ? bytes : bytes.subarray(0, headEnd));
  // A refusal may come from the cut (a file starting with many blank lines): the whole text decides.
  return 'error' in found && headEnd >= 0 ? detectLayoutBytes(bytes) : found;
}

/**
 * Reads bars from CSV text (see csv-detect.ts for the accepted layouts).
 * Bar times are OPEN times in ms UTC; W1/MN1 period-end labels are moved to
 * period opens. Never throws on bad input: problems are in `report`.
 */
export function importBarsCsv(text: string, opts: ImportOptions): ImportResult {
  return importBarsCsvBytes(encoder.encode(text), opts);
}

/**
 * importBarsCsv over a file's bytes (UTF-8), as read from disk or uploaded:
 * the rows are parsed from the bytes, the text is never decoded whole.
 */
export function importBarsCsvBytes(bytes: Uint8Array, opts: ImportOptions): ImportResult {
  const report = emptyReport(opts.symbol, opts.skipBadRows === true);
  const found = layoutOf(bytes);
  if ('error' in found) return refuse(report, found.error);
  startReport(report, found.layout);
  return finishImport(readRows(bytes, found.bodyStart, found.layout, report), found.layout, report, opts);
}

/** The report's account of the layout, before any row is read. */
export function startReport(report: ImportReport, layout: CsvLayout): void {
  report.format = layout.format;
  report.notes.push(...layout.notes);
}

/** A file that cannot be read at all (no layout): its refusal. */
export function refuseLayout(opts: ImportOptions, error: string): ImportResult {
  return refuse(emptyReport(opts.symbol, opts.skipBadRows === true), error);
}

/** The checks and report over all the rows read (timeframe, bad rows, period labels, volume, gaps), and the series. */
export function finishImport(rows: BarColumns, layout: CsvLayout, report: ImportReport, opts: ImportOptions): ImportResult {
  const time = rows.trimmed(rows.time);
  const guess = detectTimeframe(time);
  report.timeframeHow = guess.how;
  let timeframe = guess.timeframe;
  if (opts.timeframe && timeframe && opts.timeframe !== timeframe) {
    return refuse(report, `timeframe mismatch: ${opts.timeframe} was asked for but the data is ${guess.how}`);
  }
  if (!timeframe && opts.timeframe) {
    timeframe = opts.timeframe;
    report.notes.push(`timeframe ${timeframe} taken from the caller (${guess.how})`);
  }
  report.timeframe = timeframe;
  if (report.badRowCount > 0 && !report.skipBadRows) return refuse(report);
  if (rows.n === 0) return refuse(report, 'no good rows to import');
  if (!timeframe) return refuse(report, `cannot tell the timeframe: ${guess.how}; pass the timeframe explicitly`);

  const normalized = normalizePeriodLabels(time, timeframe);
  if (normalized.error) return refuse(report, normalized.error);
  if (normalized.note) report.notes.push(normalized.note);
  const volume = chooseVolume(rows, layout, report.notes);

  report.ok = true;
  report.rowsImported = rows.n;
  report.firstTime = new Date(time[0]).toISOString();
  report.lastTime = new Date(time[rows.n - 1]).toISOString();
  report.gaps = gapStats(time, timeframe);
  const series: BarSeries = {
    symbol: opts.symbol,
    timeframe,
    time,
    open: rows.trimmed(rows.open),
    high: rows.trimmed(rows.high),
    low: rows.trimmed(rows.low),
    close: rows.trimmed(rows.close),
    volume,
  };
  return { ok: true, series, report };
}
