/** What an import did, as data (for the app and tests) and as plain words (for a terminal). */
import type { Timeframe } from './timeframe.ts';
import { formatDuration, formatUtc } from './csv-time.ts';
import type { TimeStyle } from './csv-time.ts';

/** Why a row was refused. */
export type BadRowReason =
  | 'columns'
  | 'number'
  | 'not-finite'
  | 'date'
  | 'duplicate-time'
  | 'time-order'
  | 'high-low'
  | 'open-range'
  | 'close-range'
  | 'negative-volume';

/** Each reason in words, as the report groups them. */
export const BAD_ROW_REASONS: Record<BadRowReason, string> = {
  columns: 'wrong column count',
  number: 'non-numeric field',
  'not-finite': 'NaN or infinite value',
  date: 'bad date or time',
  'duplicate-time': 'duplicate time',
  'time-order': 'time before the previous bar',
  'high-low': 'High < Low',
  'open-range': 'Open outside Low..High',
  'close-range': 'Close outside Low..High',
  'negative-volume': 'negative volume',
};

export interface BadRow {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  reason: BadRowReason;
  /** The problem with this row's values, e.g. "High 1.0712 < Low 1.072". */
  message: string;
}

export interface GapStats {
  /** Places where the next bar opens later than one bar after the previous one. */
  count: number;
  /** Of those, the ones spanning a weekend and no more than a weekend (and a bar). */
  weekendCount: number;
  /** Time from the bar before the largest gap to the bar after it, in ms (0 with no gaps). */
  largestMs: number;
  /** ISO time of the bar after the largest gap. */
  largestAt: string | null;
}

export interface ImportReport {
  symbol: string;
  /** True when bars were imported (false: nothing was). */
  ok: boolean;
  /** How the file was read, e.g. "comma-separated; unnamed time column (2017-04-19 09:00:00); Open High Low Close Volume". */
  format: string;
  /** Problems with the file as a whole (empty, unknown header, timeframe mismatch). */
  errors: string[];
  /** Data rows seen (blank lines not counted). */
  rowsRead: number;
  rowsImported: number;
  /** The first MAX_DETAILED_BAD_ROWS bad rows in file order; `badRowCount` counts them all. */
  badRows: BadRow[];
  badRowCount: number;
  badRowCounts: Partial<Record<BadRowReason, number>>;
  /** Whether bad rows were skipped (true) or refused the whole file (false). */
  skipBadRows: boolean;
  timeframe: Timeframe | null;
  /** How the timeframe was decided, e.g. "H1: 4,957 of 4,999 spacings are 1h". */
  timeframeHow: string;
  /** ISO 8601 open time of the first and last imported bar. */
  firstTime: string | null;
  lastTime: string | null;
  gaps: GapStats;
  /** Normalizations and assumptions: month-end labels moved, volume missing, columns ignored. */
  notes: string[];
}

export const MAX_DETAILED_BAD_ROWS = 100;

export function emptyReport(symbol: string, skipBadRows: boolean): ImportReport {
  return {
    symbol,
    ok: false,
    format: '',
    errors: [],
    rowsRead: 0,
    rowsImported: 0,
    badRows: [],
    badRowCount: 0,
    badRowCounts: {},
    skipBadRows,
    timeframe: null,
    timeframeHow: '',
    firstTime: null,
    lastTime: null,
    gaps: { count: 0, weekendCount: 0, largestMs: 0, largestAt: null },
    notes: [],
  };
}

/** Counts every bad row but keeps the details of only the first hundred: a broken million-row file must not make a million messages. */
export function addBadRow(report: ImportReport, line: number, reason: BadRowReason, message: () => string): void {
  report.badRowCount++;
  report.badRowCounts[reason] = (report.badRowCounts[reason] ?? 0) + 1;
  if (report.badRows.length < MAX_DETAILED_BAD_ROWS) report.badRows.push({ line, reason, message: message() });
}

/** 4963 -> "4,963", independent of the machine's locale. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

const DETAILS_SHOWN = 10;

function describeBadRows(report: ImportReport): string {
  const shown = report.badRows.slice(0, DETAILS_SHOWN).map((r) => `line ${r.line}: ${r.message}`);
  let text = shown.join('; ');
  const rest = report.badRowCount - shown.length;
  if (rest > 0) text += `; and ${formatCount(rest)} more`;
  const reasons = Object.entries(report.badRowCounts) as [BadRowReason, number][];
  if (rest > 0 || reasons.length > 1) {
    text += ` (by reason: ${reasons.map(([reason, n]) => `${formatCount(n)} ${BAD_ROW_REASONS[reason]}`).join(', ')})`;
  }
  return text;
}

function describeGaps(gaps: GapStats, style: TimeStyle): string {
  if (gaps.count === 0) return 'no gaps';
  const other = gaps.count - gaps.weekendCount;
  const kinds = other === 0 ? 'all over weekends' : gaps.weekendCount === 0 ? 'none over weekends' : `${formatCount(gaps.weekendCount)} over weekends, ${formatCount(other)} other`;
  return `${plural(gaps.count, 'gap')} (largest ${formatDuration(gaps.largestMs)} before ${gaps.largestAt ? formatUtc(Date.parse(gaps.largestAt), style) : '?'}; ${kinds})`;
}

function timeStyleOf(tf: Timeframe | null): TimeStyle {
  return tf === 'D1' || tf === 'W1' || tf === 'MN1' ? 'date' : 'minute';
}

/** The report in plain words: a summary line, then skipped rows and notes, one per line. */
export function describeImport(report: ImportReport): string {
  if (!report.ok) {
    const parts = [...report.errors];
    if (report.badRowCount > 0) parts.push(`${plural(report.badRowCount, 'bad row')}, nothing imported. ${describeBadRows(report)}`);
    return `Refused: ${parts.join('. ')}`;
  }
  const style = timeStyleOf(report.timeframe);
  const span = (iso: string | null) => (iso ? formatUtc(Date.parse(iso), style) : '?');
  const lines = [
    `Imported ${plural(report.rowsImported, `${report.symbol} ${report.timeframe} bar`)} ` +
      `${span(report.firstTime)} .. ${span(report.lastTime)}; ${describeGaps(report.gaps, style)}`,
  ];
  if (report.badRowCount > 0) lines.push(`Skipped ${plural(report.badRowCount, 'bad row')}: ${describeBadRows(report)}`);
  lines.push(`Timeframe ${report.timeframeHow}`);
  for (const note of report.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}
