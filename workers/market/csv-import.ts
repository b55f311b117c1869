/**
 * Bar CSV import: every row is checked, and by default one bad row refuses the
 * whole file. A backtest on silently patched data is worse than no backtest.
 */
import type { BarSeries } from './bar.ts';
import type { Timeframe } from './timeframe.ts';
import { detectLayout, Role } from './csv-detect.ts';
import type { CsvLayout } from './csv-detect.ts';
import { isBlank, isNonFiniteWord, parseNumber, splitFields, trimEnd, trimStart } from './csv-scan.ts';
import { parseDate, parseDateTime, parseTimeOfDay, formatUtc } from './csv-time.ts';
import { addBadRow, emptyReport } from './csv-report.ts';
import type { BadRowReason, ImportReport } from './csv-report.ts';
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

/** Slots of the per-row scratch array: 0 for the bar time, then one per Role. */
const ROW_SLOTS = Role.tickVolume + 1;

/**
 * Bar columns sized once from the file's line count (an upper bound on its
 * rows) rather than grown by doubling: fresh memory is slow to touch the first
 * time, and doubling plus a final trim would touch each column three times over.
 */
class BarColumns {
  n = 0;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  /** Only for files with a tick volume column (MT5). */
  readonly tickVolume: Float64Array;

  constructor(capacity: number, withTickVolume: boolean) {
    this.time = new Float64Array(capacity);
    this.open = new Float64Array(capacity);
    this.high = new Float64Array(capacity);
    this.low = new Float64Array(capacity);
    this.close = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
    this.tickVolume = new Float64Array(withTickVolume ? capacity : 0);
  }

  /** Appends the row held in `row` (slot 0: time, then by Role). */
  push(row: Float64Array): void {
    const i = this.n++;
    this.time[i] = row[0];
    this.open[i] = row[Role.open];
    this.high[i] = row[Role.high];
    this.low[i] = row[Role.low];
    this.close[i] = row[Role.close];
    this.volume[i] = row[Role.volume];
    if (this.tickVolume.length > 0) this.tickVolume[i] = row[Role.tickVolume];
  }

  /** A column cut to the rows read: a view when little is unused (bad or blank lines), a compact copy otherwise. */
  trimmed(column: Float64Array): Float64Array {
    const unused = column.length - this.n;
    return unused === 0 ? column : unused * 8 <= column.length ? column.subarray(0, this.n) : column.slice(0, this.n);
  }
}

/** Offset of the `\n` ending the line at `from` (or the text's length). */
function lineEndFrom(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 ? text.length : nl;
}

/** Lines from `from` to the end: at least the number of data rows. */
function countLines(text: string, from: number): number {
  let lines = 1;
  for (let p = text.indexOf('\n', from); p >= 0; p = text.indexOf('\n', p + 1)) lines++;
  return lines;
}

/** Why a row that failed the fast path is bad, worked out again with strings: only bad rows pay for this. */
function explainUnparsable(lineText: string, layout: CsvLayout): { reason: BadRowReason; message: string } {
  const fields = splitFields(lineText, layout.sep);
  if (fields.length !== layout.roles.length) {
    return { reason: 'columns', message: `expected ${layout.roles.length} fields, found ${fields.length}` };
  }
  for (let i = 0; i < fields.length; i++) {
    const role = layout.roles[i];
    const f = fields[i];
    const name = layout.names[i] || 'time';
    if (role === Role.dateTime || role === Role.date || role === Role.timeOfDay) {
      if (Number.isNaN(parseTimeField(f, 0, f.length, role, layout))) return { reason: 'date', message: `bad ${name} "${f}"` };
    } else if (role !== Role.skip) {
      const v = parseNumber(f, 0, f.length, layout.point);
      if (isNonFiniteWord(f) || v === Infinity || v === -Infinity) return { reason: 'not-finite', message: `${name} is "${f}", not a finite number` };
      if (Number.isNaN(v)) return { reason: 'number', message: `${name} "${f}" is not a number` };
    }
  }
  return { reason: 'number', message: 'unreadable row' };
}

/** One time field per its role and the file's time encoding; NaN when malformed. */
function parseTimeField(s: string, a: number, b: number, role: Role, layout: CsvLayout): number {
  if (role === Role.date) return parseDate(s, a, b);
  if (role === Role.timeOfDay) return parseTimeOfDay(s, a, b);
  if (layout.timeEncoding === 'text') return parseDateTime(s, a, b);
  const n = parseNumber(s, a, b);
  // Rounded to whole ms so fractional unix seconds do not leave float dust in bar times.
  return layout.timeEncoding === 'unix-s' ? Math.round(n * 1000) : n;
}

/**
 * Reads every data row, records bad ones in the report, returns the good ones.
 * Field values land in `row`, a Float64Array indexed by Role, so the loop has
 * one parse call per field kind, allocates nothing per good row, and the
 * checks below read plain doubles.
 */
function readRows(text: string, layout: CsvLayout, report: ImportReport): BarColumns {
  const { roles, point } = layout;
  const sepCode = layout.sep.charCodeAt(0);
  const ncols = roles.length;
  const len = text.length;
  const rows = new BarColumns(countLines(text, layout.bodyStart), roles.includes(Role.tickVolume));
  // Roles without a column (volume, time of day) stay 0.
  const row = new Float64Array(ROW_SLOTS);
  let prevTime = -Infinity;
  let prevLine = 0;
  let line = layout.firstLine - 1;
  for (let pos = layout.bodyStart; pos < len; ) {
    line++;
    const start = pos;
    const c0 = text.charCodeAt(start);
    if (c0 === 10 || c0 === 13 || c0 === 32 || c0 === 9) {
      const nl = lineEndFrom(text, start);
      if (isBlank(text, start, nl)) {
        pos = nl + 1;
        continue;
      }
    }
    report.rowsRead++;

    // Fields are found by scanning char codes: no split, no substring, no native call per field.
    let fieldsOk = true;
    let p = start;
    let q = start;
    for (let col = 0; col < ncols; col++) {
      q = p;
      let ch = 0;
      while (q < len && (ch = text.charCodeAt(q)) !== sepCode && ch !== 10 && ch !== 13) q++;
      // A separator after the last column means too many fields; a line end before it, too few.
      if ((q < len && ch === sepCode) === (col === ncols - 1)) {
        fieldsOk = false;
        break;
      }
      const role = roles[col];
      if (role !== Role.skip) {
        const a = trimStart(text, p, q);
        const b = trimEnd(text, a, q);
        row[role] = role >= Role.open ? parseNumber(text, a, b, point) : parseTimeField(text, a, b, role, layout);
      }
      p = q + 1;
    }
    const nl = q < len && text.charCodeAt(q) === 10 ? q : lineEndFrom(text, q);
    const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    pos = nl + 1;
    const t = row[Role.dateTime] + row[Role.date] + row[Role.timeOfDay];
    const o = row[Role.open];
    const h = row[Role.high];
    const l = row[Role.low];
    const c = row[Role.close];
    const v = row[Role.volume];
    const tv = row[Role.tickVolume];
    // x - x is 0 only for finite x: one test catches unparsable fields, NaN and infinities.
    if (!fieldsOk || t - t !== 0 || o - o !== 0 || h - h !== 0 || l - l !== 0 || c - c !== 0 || v - v !== 0 || tv - tv !== 0) {
      const why = explainUnparsable(text.slice(start, end), layout);
      addBadRow(report, line, why.reason, () => why.message);
      continue;
    }
    if (v < 0 || tv < 0) {
      addBadRow(report, line, 'negative-volume', () => `negative volume ${v < 0 ? v : tv}`);
    } else if (h < l) {
      addBadRow(report, line, 'high-low', () => `High ${h} < Low ${l}`);
    } else if (o < l || o > h) {
      addBadRow(report, line, 'open-range', () => `Open ${o} outside Low ${l} .. High ${h}`);
    } else if (c < l || c > h) {
      addBadRow(report, line, 'close-range', () => `Close ${c} outside Low ${l} .. High ${h}`);
    } else if (t === prevTime) {
      addBadRow(report, line, 'duplicate-time', () => `time ${formatUtc(t)} repeats line ${prevLine}`);
    } else if (t < prevTime) {
      addBadRow(report, line, 'time-order', () => `time ${formatUtc(t)} is before line ${prevLine}'s ${formatUtc(prevTime)}`);
    } else {
      row[0] = t;
      rows.push(row);
      prevTime = t;
      prevLine = line;
    }
  }
  return rows;
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

/**
 * Reads bars from CSV text (see csv-detect.ts for the accepted layouts).
 * Bar times are OPEN times in ms UTC; W1/MN1 period-end labels are moved to
 * period opens. Never throws on bad input: problems are in `report`.
 */
export function importBarsCsv(text: string, opts: ImportOptions): ImportResult {
  const report = emptyReport(opts.symbol, opts.skipBadRows === true);
  const layout = detectLayout(text);
  if ('error' in layout) return refuse(report, layout.error);
  report.format = layout.format;
  report.notes.push(...layout.notes);

  const rows = readRows(text, layout, report);
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
