/**
 * The row loop of a bar CSV import, over the file's bytes: fields found by
 * scanning byte codes, numbers and dates parsed from their digits, no string
 * per row or field. Only a bad row is decoded, to say in words what is wrong.
 */
import { Role } from './csv-detect.ts';
import type { CsvLayout } from './csv-detect.ts';
import { isBlankBytes, isNonFiniteWord, numberAt, numberEnd, parseNumber, parseNumberBytes, splitFields, trimEndBytes, trimStartBytes } from './csv-scan.ts';
import { parseDate, parseDateBytes, parseDateTime, parseDateTimeBytes, parseTimeOfDay, parseTimeOfDayBytes, formatUtc } from './csv-time.ts';
import { addBadRow } from './csv-report.ts';
import type { BadRowReason, ImportReport } from './csv-report.ts';

/** Slots of the per-row scratch array: 0 for the bar time, then one per Role. */
const ROW_SLOTS = Role.tickVolume + 1;

/**
 * Bar columns sized once from the file's line count (an upper bound on its
 * rows) rather than grown by doubling: fresh memory is slow to touch the first
 * time, and doubling plus a final trim would touch each column three times over.
 * A streamed import, which cannot count the file's lines first, grows them to
 * its estimate of the whole file's rows (reserve).
 */
export class BarColumns {
  n = 0;
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** Only for files with a tick volume column (MT5). */
  tickVolume: Float64Array;

  constructor(
    capacity: number,
    private readonly withTickVolume: boolean,
  ) {
    this.time = new Float64Array(capacity);
    this.open = new Float64Array(capacity);
    this.high = new Float64Array(capacity);
    this.low = new Float64Array(capacity);
    this.close = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
    this.tickVolume = new Float64Array(withTickVolume ? capacity : 0);
  }

  /**
   * Room for `rows` more rows; when the columns must grow they grow to `estimate`
   * (the caller's guess at the final count) if that is more. Columns are moved one
   * at a time, so growing never holds two copies of more than one column.
   */
  reserve(rows: number, estimate: number): void {
    const need = this.n + rows;
    if (need <= this.time.length) return;
    const capacity = Math.max(need, estimate, Math.ceil(this.time.length * 1.25));
    const grown = (c: Float64Array): Float64Array => {
      const g = new Float64Array(capacity);
      g.set(c.subarray(0, this.n));
      return g;
    };
    this.time = grown(this.time);
    this.open = grown(this.open);
    this.high = grown(this.high);
    this.low = grown(this.low);
    this.close = grown(this.close);
    this.volume = grown(this.volume);
    if (this.withTickVolume) this.tickVolume = grown(this.tickVolume);
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
    if (this.withTickVolume) this.tickVolume[i] = row[Role.tickVolume];
  }

  /** A column cut to the rows read: a view when little is unused (bad or blank lines), a compact copy otherwise. */
  trimmed(column: Float64Array): Float64Array {
    const unused = column.length - this.n;
    return unused === 0 ? column : unused * 8 <= column.length ? column.subarray(0, this.n) : column.slice(0, this.n);
  }
}

/** Offset of the `\n` ending the line at `from` (or the length). */
function lineEndFrom(bytes: Uint8Array, from: number): number {
  const nl = bytes.indexOf(10, from);
  return nl < 0 ? bytes.length : nl;
}

/** Lines from `from` to the end: at least the number of data rows. */
export function countLines(bytes: Uint8Array, from: number): number {
  let lines = 1;
  for (let p = bytes.indexOf(10, from); p >= 0; p = bytes.indexOf(10, p + 1)) lines++;
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
      if (Number.isNaN(timeOfText(f, role, layout))) return { reason: 'date', message: `bad ${name} "${f}"` };
    } else if (role !== Role.skip) {
      const v = parseNumber(f, 0, f.length, layout.point);
      if (isNonFiniteWord(f) || v === Infinity || v === -Infinity) return { reason: 'not-finite', message: `${name} is "${f}", not a finite number` };
      if (Number.isNaN(v)) return { reason: 'number', message: `${name} "${f}" is not a number` };
    }
  }
  return { reason: 'number', message: 'unreadable row' };
}

/** One time field per its role and the file's time encoding; NaN when malformed. */
function parseTimeField(s: Uint8Array, a: number, b: number, role: Role, layout: CsvLayout): number {
  if (role === Role.date) return parseDateBytes(s, a, b);
  if (role === Role.timeOfDay) return parseTimeOfDayBytes(s, a, b);
  if (layout.timeEncoding === 'text') return parseDateTimeBytes(s, a, b);
  return unixTime(parseNumberBytes(s, a, b), layout);
}

/** parseTimeField for a field already decoded (a bad row's explanation). */
function timeOfText(f: string, role: Role, layout: CsvLayout): number {
  if (role === Role.date) return parseDate(f, 0, f.length);
  if (role === Role.timeOfDay) return parseTimeOfDay(f, 0, f.length);
  if (layout.timeEncoding === 'text') return parseDateTime(f, 0, f.length);
  return unixTime(parseNumber(f, 0, f.length), layout);
}

function unixTime(n: number, layout: CsvLayout): number {
  // Rounded to whole ms so fractional unix seconds do not leave float dust in bar times.
  return layout.timeEncoding === 'unix-s' ? Math.round(n * 1000) : n;
}

const decoder = new TextDecoder('utf-8');

/** Where a row reader stands between two pieces of a file: what the next piece's rows continue from. */
export interface RowCursor {
  /** 1-based number of the line read last (the next line is line + 1). */
  line: number;
  /** Time of the last good row (-Infinity before the first), and its line. */
  prevTime: number;
  prevLine: number;
}

/** A cursor before the first data line of a file with this layout. */
export function startCursor(layout: CsvLayout): RowCursor {
  return { line: layout.firstLine - 1, prevTime: -Infinity, prevLine: 0 };
}

/**
 * Reads every data row from byte `bodyStart` (line `layout.firstLine`),
 * records bad ones in the report, returns the good ones.
 */
export function readRows(bytes: Uint8Array, bodyStart: number, layout: CsvLayout, report: ImportReport): BarColumns {
  const rows = new BarColumns(countLines(bytes, bodyStart), layout.roles.includes(Role.tickVolume));
  readRowsInto(bytes, bodyStart, layout, report, rows, startCursor(layout));
  return rows;
}

/**
 * The row loop: the rows of `bytes` from `from` to its end, appended to `rows`
 * (which must have room for them), numbered and order-checked from `cursor`,
 * which is left at the last line read. A streamed file is read piece by piece
 * of whole lines (the last piece may end without a line end, like the file).
 * Field values land in `row`, a Float64Array indexed by Role, so the loop has
 * one parse call per field kind, allocates nothing per good row, and the
 * checks below read plain doubles.
 */
export function readRowsInto(bytes: Uint8Array, from: number, layout: CsvLayout, report: ImportReport, rows: BarColumns, cursor: RowCursor): void {
  const { roles, point } = layout;
  const sepCode = layout.sep.charCodeAt(0);
  const ncols = roles.length;
  const len = bytes.length;
  // Roles without a column (volume, time of day) stay 0.
  const row = new Float64Array(ROW_SLOTS);
  let { prevTime, prevLine, line } = cursor;
  for (let pos = from; pos < len; ) {
    line++;
    const start = pos;
    const c0 = bytes[start];
    if (c0 === 10 || c0 === 13 || c0 === 32 || c0 === 9) {
      const nl = lineEndFrom(bytes, start);
      if (isBlankBytes(bytes, start, nl)) {
        pos = nl + 1;
        continue;
      }
    }
    report.rowsRead++;

    let fieldsOk = true;
    let p = start;
    let q = start;
    for (let col = 0; col < ncols; col++) {
      const role = roles[col];
      let ch = 0;
      if (role >= Role.open) {
        // A plain number ending the field: parsed and its end found in one pass.
        const v = numberAt(bytes, p, len, point);
        q = numberEnd;
        ch = q < len ? bytes[q] : 10;
        if (v === v && (ch === sepCode ? col < ncols - 1 : (ch === 10 || ch === 13) && col === ncols - 1)) {
          row[role] = v;
          p = q + 1;
          continue;
        }
      }
      q = p;
      while (q < len && (ch = bytes[q]) !== sepCode && ch !== 10 && ch !== 13) q++;
      // A separator after the last column means too many fields; a line end before it, too few.
      if ((q < len && ch === sepCode) === (col === ncols - 1)) {
        fieldsOk = false;
        break;
      }
      if (role !== Role.skip) {
        const a = trimStartBytes(bytes, p, q);
        const b = trimEndBytes(bytes, a, q);
        row[role] = role >= Role.open ? parseNumberBytes(bytes, a, b, point) : parseTimeField(bytes, a, b, role, layout);
      }
      p = q + 1;
    }
    const nl = q < len && bytes[q] === 10 ? q : lineEndFrom(bytes, q);
    const end = nl > start && bytes[nl - 1] === 13 ? nl - 1 : nl;
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
      const why = explainUnparsable(decoder.decode(bytes.subarray(start, end)), layout);
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
  cursor.line = line;
  cursor.prevTime = prevTime;
  cursor.prevLine = prevLine;
}
