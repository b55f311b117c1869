/**
 * CSV writers. Numbers go out as `String(x)`, JavaScript's shortest text that
 * reads back to the same double, so an export re-imports bit for bit.
 */
import type { BarSeries } from './bar.ts';
import { allMidnights, UtcFormatter } from './csv-time.ts';

/** Rows are collected in chunks so a million-row export never concatenates one ever-longer string. */
const ROWS_PER_CHUNK = 10_000;

function cell(x: number): string {
  return Number.isNaN(x) ? '' : String(x);
}

/** RFC 4180 quoting for a header name that holds a comma, quote or line break. */
function quoteName(name: string): string {
  return /[",\r\n]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
}

/** Header plus one line per row, joined in chunks. */
function joinLines(header: string, count: number, line: (i: number) => string): string {
  const chunks: string[] = [header + '\n'];
  let rows: string[] = [];
  for (let i = 0; i < count; i++) {
    rows.push(line(i));
    if (rows.length === ROWS_PER_CHUNK) {
      chunks.push(rows.join(''));
      rows = [];
    }
  }
  chunks.push(rows.join(''));
  return chunks.join('');
}

/**
 * Bars in the format of public/data: header `,Open,High,Low,Close,Volume`, an
 * unnamed time column with `YYYY-MM-DD` when every bar opens at midnight UTC
 * (daily and longer) and `YYYY-MM-DD HH:MM:SS` otherwise.
 */
export function formatBarsCsv(series: BarSeries): string {
  const { time, open, high, low, close, volume } = series;
  const times = new UtcFormatter(allMidnights(time));
  return joinLines(',Open,High,Low,Close,Volume', time.length, (i) =>
    `${times.format(time[i])},${cell(open[i])},${cell(high[i])},${cell(low[i])},${cell(close[i])},${cell(volume[i])}\n`,
  );
}

/**
 * Columns by time, for indicator and feature exports: header `time,<names>`,
 * times `YYYY-MM-DD HH:MM:SS` UTC, and EMPTY cells for NaN (warm-up bars), which
 * spreadsheets and pandas read as missing.
 */
export function formatColumnsCsv(time: Float64Array, columns: { name: string; values: Float64Array }[]): string {
  for (const c of columns) {
    if (c.values.length !== time.length) {
      throw new Error(`column "${c.name}" has ${c.values.length} values but there are ${time.length} times`);
    }
  }
  const times = new UtcFormatter(false);
  const header = ['time', ...columns.map((c) => quoteName(c.name))].join(',');
  return joinLines(header, time.length, (i) => {
    let row = times.format(time[i]);
    for (let k = 0; k < columns.length; k++) row += ',' + cell(columns[k].values[i]);
    return row + '\n';
  });
}

export type Cell = string | number | null | undefined;

/** One CSV line: numbers as JavaScript writes them, null/undefined/NaN empty, text quoted when it must be. */
export function csvLine(cells: readonly Cell[]): string {
  return cells
    .map((v) => {
      if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '';
      const s = typeof v === 'number' ? String(v) : v;
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',');
}
