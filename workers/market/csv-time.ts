/**
 * Date and time text <-> ms UTC, by hand: `Date.parse` is slow, allocates, and
 * reads zone-less date-times as LOCAL time in some engines, which would make an
 * import depend on the machine's time zone.
 *
 * Parsers take the file's bytes and a [a, b) range (no string per field) and
 * return NaN when the text is malformed or names an impossible date; the
 * string forms run the same code over the text's characters.
 */
import { asciiBytes } from './csv-scan.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// The parsers share one cursor instead of returning {value, next} objects per field.
let at = 0;

/** Reads minDigits..maxDigits decimal digits at `at`; -1 when there are too few. */
function readDigits(s: Uint8Array, b: number, minDigits: number, maxDigits: number): number {
  let v = 0;
  let k = 0;
  while (at < b && k < maxDigits) {
    const d = s[at] - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    at++;
    k++;
  }
  return k < minDigits ? -1 : v;
}

function isDateSeparator(c: number): boolean {
  return c === 45 /* - */ || c === 46 /* . */ || c === 47 /* / */;
}

/** `YYYY-MM-DD` (or with `.` or `/`, as MetaTrader writes) at `at`: ms of that midnight UTC, or NaN. */
function readDate(s: Uint8Array, b: number): number {
  const year = readDigits(s, b, 4, 4);
  if (year < 0 || at >= b) return NaN;
  const sep = s[at];
  if (!isDateSeparator(sep)) return NaN;
  at++;
  const month = readDigits(s, b, 1, 2);
  if (month < 1 || month > 12 || at >= b || s[at] !== sep) return NaN;
  at++;
  const day = readDigits(s, b, 1, 2);
  if (day < 1 || day > daysInMonth(year, month)) return NaN;
  return daysFromCivil(year, month, day) * DAY_MS;
}

/** `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff` at `at`: ms since midnight, or NaN. */
function readTimeOfDay(s: Uint8Array, b: number): number {
  const hh = readDigits(s, b, 1, 2);
  if (hh < 0 || hh > 23 || at >= b || s[at] !== 58 /* : */) return NaN;
  at++;
  const mm = readDigits(s, b, 2, 2);
  if (mm < 0 || mm > 59) return NaN;
  let ms = hh * HOUR_MS + mm * MINUTE_MS;
  if (at < b && s[at] === 58) {
    at++;
    const ss = readDigits(s, b, 2, 2);
    if (ss < 0 || ss > 59) return NaN;
    ms += ss * 1000;
    const c = at < b ? s[at] : 0;
    if (c === 46 /* . */ || c === 44 /* , */) {
      at++;
      const from = at;
      const frac = readDigits(s, b, 1, 3);
      if (frac < 0) return NaN;
      ms += frac * 10 ** (3 - (at - from));
      readDigits(s, b, 0, 99); // digits below a millisecond are dropped
    }
  }
  return ms;
}

/** Optional zone suffix at `at`: `Z`, `+HH`, `+HHMM`, `+HH:MM` (or `-`). Returns the offset in ms (local - UTC), or NaN. */
function readZone(s: Uint8Array, b: number): number {
  if (at >= b) return 0;
  const c = s[at];
  if (c === 90 /* Z */ || c === 122 /* z */) {
    at++;
    return 0;
  }
  if (c !== 43 /* + */ && c !== 45 /* - */) return NaN;
  at++;
  const hh = readDigits(s, b, 2, 2);
  if (hh < 0 || hh > 23) return NaN;
  let mm = 0;
  if (at < b) {
    if (s[at] === 58) at++;
    mm = readDigits(s, b, 2, 2);
    if (mm < 0 || mm > 59) return NaN;
  }
  const offset = hh * HOUR_MS + mm * MINUTE_MS;
  return c === 45 ? -offset : offset;
}

/**
 * A date with an optional time of day (after a space or `T`) and zone, as ms UTC.
 * No zone means UTC. Accepts `2017-04-19`, `2017.04.19 09:00`, `2017-04-19T09:00:00.000Z`,
 * `2017-04-19 11:00:00+02:00`.
 */
export function parseDateTimeBytes(s: Uint8Array, a: number, b: number): number {
  at = a;
  const day = readDate(s, b);
  if (day !== day) return NaN;
  if (at === b) return day;
  const c = s[at];
  if (c !== 32 /* space */ && c !== 84 /* T */ && c !== 116 /* t */) return NaN;
  at++;
  const tod = readTimeOfDay(s, b);
  if (tod !== tod) return NaN;
  const zone = readZone(s, b);
  return at === b ? day + tod - zone : NaN;
}

/** A date alone (`2017.04.19`): ms of its midnight UTC, or NaN. */
export function parseDateBytes(s: Uint8Array, a: number, b: number): number {
  at = a;
  const day = readDate(s, b);
  return at === b ? day : NaN;
}

/** A time of day alone (`09:00` or `09:00:00`): ms since midnight, or NaN. */
export function parseTimeOfDayBytes(s: Uint8Array, a: number, b: number): number {
  at = a;
  const tod = readTimeOfDay(s, b);
  return at === b ? tod : NaN;
}

/** parseDateTimeBytes for text. */
export function parseDateTime(s: string, a: number, b: number): number {
  return parseDateTimeBytes(asciiBytes(s, a, b), 0, b - a);
}

/** parseDateBytes for text. */
export function parseDate(s: string, a: number, b: number): number {
  return parseDateBytes(asciiBytes(s, a, b), 0, b - a);
}

/** parseTimeOfDayBytes for text. */
export function parseTimeOfDay(s: string, a: number, b: number): number {
  return parseTimeOfDayBytes(asciiBytes(s, a, b), 0, b - a);
}

const PAD2: string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + i);

/** `YYYY-MM-DD` of the UTC day `days` after 1970-01-01 (H. Hinnant's civil_from_days). */
export function formatDay(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const yyyy = year >= 0 && year <= 9999 ? String(year).padStart(4, '0') : String(year);
  return `${yyyy}-${PAD2[month]}-${PAD2[day]}`;
}

/**
 * `HH:MM:SS` of a time of day in ms (`.mmm` appended only when there are
 * milliseconds, so whole-second data stays in the familiar format).
 */
export function formatTimeOfDay(ms: number): string {
  const hh = Math.floor(ms / HOUR_MS);
  const mm = Math.floor((ms % HOUR_MS) / MINUTE_MS);
  const ss = Math.floor((ms % MINUTE_MS) / 1000);
  const frac = ms % 1000;
  const base = `${PAD2[hh]}:${PAD2[mm]}:${PAD2[ss]}`;
  return frac === 0 ? base : `${base}.${String(frac).padStart(3, '0')}`;
}

/** Precision of `formatUtc`: what a reader needs for a given timeframe. */
export type TimeStyle = 'date' | 'minute' | 'second';

/** `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS` in UTC. */
export function formatUtc(t: number, style: TimeStyle = 'second'): string {
  const days = Math.floor(t / DAY_MS);
  const date = formatDay(days);
  if (style === 'date') return date;
  const tod = formatTimeOfDay(t - days * DAY_MS);
  return `${date} ${style === 'minute' ? tod.slice(0, 5) : tod}`;
}

/**
 * Formats many increasing times as `YYYY-MM-DD HH:MM:SS` (or date only), reusing
 * the date text while consecutive bars fall on the same day: on a million
 * intraday rows that is most of the formatting work saved.
 */
export class UtcFormatter {
  private day = NaN;
  private dateText = '';

  constructor(private readonly dateOnly: boolean) {}

  format(t: number): string {
    const days = Math.floor(t / DAY_MS);
    if (days !== this.day) {
      this.day = days;
      this.dateText = formatDay(days);
    }
    return this.dateOnly ? this.dateText : `${this.dateText} ${formatTimeOfDay(t - days * DAY_MS)}`;
  }
}

/** True when every time is a UTC midnight, so a date alone says it all. */
export function allMidnights(time: ArrayLike<number>): boolean {
  for (let i = 0; i < time.length; i++) if (time[i] % DAY_MS !== 0) return false;
  return true;
}

/** `2d 1h`, `15m`, `30d`, `1h 30m 5s`: a duration in words for reports. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = Math.abs(ms);
  for (const [unit, size] of [['d', DAY_MS], ['h', HOUR_MS], ['m', MINUTE_MS], ['s', 1000], ['ms', 1]] as const) {
    const k = Math.floor(rest / size);
    if (k > 0) parts.push(`${k}${unit}`);
    rest -= k * size;
  }
  return (ms < 0 ? '-' : '') + parts.join(' ');
}
