/**
 * Works out how a bar CSV is laid out from its header and first rows, once per
 * file, so the row loop only follows a plan (column roles, separator, time encoding).
 */
import { chooseSeparator, isBlank, parseNumber, SEPARATOR_NAMES, splitFields } from './csv-scan.ts';
import type { Separator } from './csv-scan.ts';
import { parseDateTime, parseTimeOfDay } from './csv-time.ts';

/** What a column holds. Numbers rather than strings so the row loop switches on small ints. */
export const Role = {
  skip: 0,
  /** Date and time together (or a date alone, or unix seconds/ms). */
  dateTime: 1,
  /** The date half of MetaTrader's Date,Time pair. */
  date: 2,
  /** The time-of-day half of MetaTrader's Date,Time pair. */
  timeOfDay: 3,
  open: 4,
  high: 5,
  low: 6,
  close: 7,
  volume: 8,
  tickVolume: 9,
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** How the date-time column encodes time. */
export type TimeEncoding = 'text' | 'unix-s' | 'unix-ms';

export interface CsvLayout {
  sep: Separator;
  /** Decimal mark char code: 46 `.`, or 44 `,` in semicolon/tab files written with a European locale. */
  point: number;
  /** Offset of the first data line in the text. */
  bodyStart: number;
  /** 1-based file line number of the first data line. */
  firstLine: number;
  roles: Role[];
  /** Column names as the file spells them (or as assumed for a headerless file). */
  names: string[];
  timeEncoding: TimeEncoding;
  /** One line for the report, e.g. "comma-separated; unnamed time column (2017-04-19 09:00:00); Open High Low Close Volume". */
  format: string;
  notes: string[];
}

/** In order of preference: a named time column beats pandas' unnamed index column. */
const TIME_NAMES = ['time', 'timestamp', 'datetime', 'date_time', 'date', ''];
const VOLUME_NAMES = ['volume', 'vol', 'real_volume', 'realvolume'];
const TICK_VOLUME_NAMES = ['tickvol', 'tick_volume', 'tickvolume', 'tick volume', 'ticks'];
const PRICE_ROLES = { open: Role.open, high: Role.high, low: Role.low, close: Role.close } as const;

/** MT5 writes `<DATE>`, others `"Date"`: compare names without case, quotes or angle brackets. */
function normalizeName(name: string): string {
  return name.replace(/^[<"']+|[>"']+$/g, '').trim().toLowerCase();
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 ? text.length : nl;
}

function withoutCr(text: string, a: number, b: number): number {
  return b > a && text.charCodeAt(b - 1) === 13 ? b - 1 : b;
}

/** Column roles from a header, or the reason it is not a bar header. */
function rolesFromHeader(names: string[]): Role[] | string {
  const keys = names.map(normalizeName);
  const roles: Role[] = keys.map(() => Role.skip);
  const claim = (index: number, role: Role): string | null => {
    if (roles.includes(role)) return `column "${names[index]}" appears twice`;
    roles[index] = role;
    return null;
  };
  const dateAt = keys.indexOf('date');
  const timeAt = keys.indexOf('time');
  let problem: string | null = null;
  if (dateAt >= 0 && timeAt >= 0) {
    problem = claim(dateAt, Role.date) ?? claim(timeAt, Role.timeOfDay);
  } else {
    // An unnamed column only counts as the time when it comes first (pandas' index column).
    const at = TIME_NAMES.map((n) => (n === '' ? (keys[0] === '' ? 0 : -1) : keys.indexOf(n))).find((i) => i >= 0);
    if (at !== undefined) problem = claim(at, Role.dateTime);
  }
  keys.forEach((key, i) => {
    if (problem || roles[i] !== Role.skip) return;
    if (Object.hasOwn(PRICE_ROLES, key)) problem = claim(i, PRICE_ROLES[key as keyof typeof PRICE_ROLES]);
    else if (VOLUME_NAMES.includes(key)) problem = claim(i, Role.volume);
    else if (TICK_VOLUME_NAMES.includes(key)) problem = claim(i, Role.tickVolume);
  });
  if (problem) return problem;
  const missing: string[] = [];
  if (!roles.includes(Role.dateTime) && !roles.includes(Role.date)) missing.push('a time column');
  for (const [name, role] of Object.entries(PRICE_ROLES)) if (!roles.includes(role)) missing.push(name[0].toUpperCase() + name.slice(1));
  if (missing.length > 0) {
    return (
      `unknown header "${names.join(',')}": missing ${missing.join(', ')}. Expected a time column ` +
      `(time, timestamp, datetime, date, Date+Time, or an unnamed first column) and Open, High, Low, Close (Volume optional)`
    );
  }
  return roles;
}

/** Roles for a file with no header (MetaTrader 4's History Center export), judged from its first row. */
function rolesWithoutHeader(fields: string[]): Role[] | null {
  const first = fields[0];
  if (Number.isNaN(parseDateTime(first, 0, first.length))) return null;
  const prices = [Role.open, Role.high, Role.low, Role.close];
  const second = fields[1] ?? '';
  if (!Number.isNaN(parseTimeOfDay(second, 0, second.length))) {
    if (fields.length !== 6 && fields.length !== 7) return null;
    return [Role.date, Role.timeOfDay, ...prices, ...(fields.length === 7 ? [Role.volume] : [])];
  }
  if (fields.length !== 5 && fields.length !== 6) return null;
  return [Role.dateTime, ...prices, ...(fields.length === 6 ? [Role.volume] : [])];
}

const ROLE_NAMES: Record<Role, string> = {
  [Role.skip]: '', [Role.dateTime]: 'Time', [Role.date]: 'Date', [Role.timeOfDay]: 'Time', [Role.open]: 'Open',
  [Role.high]: 'High', [Role.low]: 'Low', [Role.close]: 'Close', [Role.volume]: 'Volume', [Role.tickVolume]: 'TickVolume',
};

/**
 * How the date-time column encodes time, from the first rows: text a date
 * parser reads, or a bare number (unix seconds below 1e11, ms above: 1e11 s is
 * the year 5138 while 1e11 ms is 1973, so real data never sits on the fence).
 */
function timeEncodingOf(text: string, layout: Pick<CsvLayout, 'sep' | 'roles' | 'bodyStart'>): TimeEncoding {
  const column = layout.roles.indexOf(Role.dateTime);
  if (column < 0) return 'text';
  let pos = layout.bodyStart;
  for (let tries = 0; tries < 20 && pos < text.length; tries++) {
    const end = lineEnd(text, pos);
    const field = splitFields(text.slice(pos, withoutCr(text, pos, end)), layout.sep)[column] ?? '';
    pos = end + 1;
    if (!Number.isNaN(parseDateTime(field, 0, field.length))) return 'text';
    const n = parseNumber(field, 0, field.length);
    if (!Number.isNaN(n)) return Math.abs(n) >= 1e11 ? 'unix-ms' : 'unix-s';
  }
  return 'text';
}

/** European exports separate with `;` and write `1,0716`: a comma inside a price field of the first row tells. */
function decimalMarkOf(firstRow: string[], roles: Role[], sep: Separator): number {
  if (sep === ',') return 46;
  const priceAt = roles.indexOf(Role.open);
  return priceAt >= 0 && (firstRow[priceAt] ?? '').includes(',') ? 44 : 46;
}

function describeTime(roles: Role[], names: string[], encoding: TimeEncoding, sample: string[]): string {
  const dateAt = roles.indexOf(Role.date);
  if (dateAt >= 0) return `separate date and time columns (${sample[dateAt] ?? ''} ${sample[roles.indexOf(Role.timeOfDay)] ?? ''})`;
  const at = roles.indexOf(Role.dateTime);
  const column = names[at] === '' ? 'unnamed time column' : `time column "${names[at]}"`;
  if (encoding !== 'text') return `${column} in unix ${encoding === 'unix-s' ? 'seconds' : 'milliseconds'}`;
  return `${column} (${sample[at] ?? ''})`;
}

/** The layout of a bar CSV, or a sentence saying why it cannot be read. */
export function detectLayout(text: string): CsvLayout | { error: string } {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  // Leading blank lines are tolerated; the header is the first line with content.
  while (pos < text.length) {
    const end = lineEnd(text, pos);
    if (!isBlank(text, pos, end)) break;
    pos = end + 1;
    line++;
  }
  if (pos >= text.length) return { error: 'empty file: no header and no bars' };
  const headerEnd = lineEnd(text, pos);
  const headerText = text.slice(pos, withoutCr(text, pos, headerEnd));
  const sep = chooseSeparator(headerText);
  if (sep === null) {
    return { error: `unknown header "${headerText.slice(0, 80)}": no comma, semicolon or tab separating columns` };
  }
  const headerFields = splitFields(headerText, sep);
  const notes: string[] = [];
  let roles = rolesWithoutHeader(headerFields);
  let names: string[];
  let bodyStart: number;
  let firstLine: number;
  if (roles) {
    names = roles.map((r) => ROLE_NAMES[r]);
    bodyStart = pos;
    firstLine = line;
    notes.push(`no header line: columns taken as ${names.join(',')} (MetaTrader history export)`);
  } else {
    const fromHeader = rolesFromHeader(headerFields);
    if (typeof fromHeader === 'string') return { error: fromHeader };
    roles = fromHeader;
    names = headerFields;
    bodyStart = headerEnd + 1;
    firstLine = line + 1;
  }
  let sampleStart = bodyStart;
  while (sampleStart < text.length && isBlank(text, sampleStart, lineEnd(text, sampleStart))) sampleStart = lineEnd(text, sampleStart) + 1;
  if (sampleStart >= text.length) return { error: 'header only: the file has no bars' };
  const sampleEnd = lineEnd(text, sampleStart);
  const sample = splitFields(text.slice(sampleStart, withoutCr(text, sampleStart, sampleEnd)), sep);

  const timeEncoding = timeEncodingOf(text, { sep, roles, bodyStart: sampleStart });
  const point = decimalMarkOf(sample, roles, sep);
  if (point === 44) notes.push('decimal commas (1,0716) read as decimal points');
  const ignored = names.filter((_, i) => roles[i] === Role.skip && names[i] !== '');
  if (ignored.length > 0) notes.push(`ignored columns: ${ignored.join(', ')}`);
  const priceNames = roles.map((r, i) => (r >= Role.open ? names[i] : null)).filter((n) => n !== null);
  const format = `${SEPARATOR_NAMES[sep]}-separated; ${describeTime(roles, names, timeEncoding, sample)}; ${priceNames.join(' ')}`;
  return { sep, point, bodyStart, firstLine, roles, names, timeEncoding, format, notes };
}
