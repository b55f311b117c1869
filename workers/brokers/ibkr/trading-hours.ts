/**
 * IB's trading and liquid hours (ContractDetails.tradingHours/liquidHours) as
 * sessions in ms UTC. IB writes them in the contract's own zone (timeZoneId),
 * a week or so ahead, one entry per local date:
 *   "20240102:0930-20240102:1600;20240103:CLOSED"  (TWS 970 and later)
 *   "20240102:0930-1600,1700-1800;20240103:CLOSED"  (the older form: times on the entry's date)
 * In the older form an end before the start (FX "20240102:1715-1700") is read
 * as a session that began the evening before the date (IB dates a session by
 * the day it ends); that reading is inferred, not documented.
 */

export interface TradingSession {
  /** ms UTC. */
  start: number;
  end: number;
}

export interface TradingHours {
  /** The IANA zone the hours were written in. */
  timeZone: string;
  /** Sorted by start, not overlapping. */
  sessions: TradingSession[];
  /** Local dates (yyyymmdd) IB marks CLOSED. */
  closed: Set<number>;
  /** The local dates IB's list covers (yyyymmdd), or null when it lists none: outside them nothing is known. */
  firstDay: number | null;
  lastDay: number | null;
}

/**
 * IB zone ids that are not canonical IANA names. "US/Eastern" and the like are
 * IANA links that Intl knows; these are mapped because the abbreviations
 * (EST, CST) are fixed offsets in IANA while IB means the exchange's local time
 * with summer time.
 */
const IB_ZONES: Record<string, string> = {
  EST: 'America/New_York',
  EDT: 'America/New_York',
  EST5EDT: 'America/New_York',
  CST: 'America/Chicago',
  CDT: 'America/Chicago',
  CST6CDT: 'America/Chicago',
  MST: 'America/Denver',
  MST7MDT: 'America/Denver',
  PST: 'America/Los_Angeles',
  PST8PDT: 'America/Los_Angeles',
  'US/Eastern': 'America/New_York',
  'US/Central': 'America/Chicago',
  'US/Mountain': 'America/Denver',
  'US/Pacific': 'America/Los_Angeles',
  MET: 'Europe/Berlin',
  CET: 'Europe/Berlin',
  GB: 'Europe/London',
  JST: 'Asia/Tokyo',
  Japan: 'Asia/Tokyo',
  Hongkong: 'Asia/Hong_Kong',
  HKT: 'Asia/Hong_Kong',
  GMT: 'UTC',
};

const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(timeZone, f);
  }
  return f;
}

/** The IANA zone for IB's timeZoneId, or a problem in words. */
export function ianaZone(ibZone: string): string | { problem: string } {
  const zone = Object.hasOwn(IB_ZONES, ibZone) ? IB_ZONES[ibZone] : ibZone;
  try {
    format(zone);
    return zone;
  } catch {
    return { problem: `IB's time zone "${ibZone}" is not one TradeGuard knows, so the contract's hours cannot be read` };
  }
}

/** The local calendar fields of an instant in the zone. */
function localFields(ms: number, timeZone: string): { y: number; m: number; d: number; h: number; mi: number; s: number } {
  const p: Record<string, number> = {};
  for (const x of format(timeZone).formatToParts(ms)) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return { y: p.year, m: p.month, d: p.day, h: p.hour, mi: p.minute, s: p.second };
}

/** Local wall time minus UTC at an instant, ms. */
function offsetAt(ms: number, timeZone: string): number {
  const l = localFields(ms, timeZone);
  return Date.UTC(l.y, l.m - 1, l.d, l.h, l.mi, l.s) - Math.floor(ms / 1000) * 1000;
}

/** A local wall time in the zone as ms UTC (twice: the offset can differ on either side of a summer-time change). */
export function zonedTime(y: number, m: number, d: number, h: number, mi: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d, h, mi);
  const first = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(first, timeZone);
}

/** The local date (yyyymmdd) of an instant in the zone. */
export function localDate(ms: number, timeZone: string): number {
  const l = localFields(ms, timeZone);
  return l.y * 10_000 + l.m * 100 + l.d;
}

/** "20240102", "2024-01-02" or 20240102 as yyyymmdd, or NaN. */
export function dateNumber(d: string | number): number {
  const s = String(d).replaceAll('-', '');
  return /^\d{8}$/.test(s) ? Number(s) : NaN;
}

const ymd = (n: number) => ({ y: Math.floor(n / 10_000), m: Math.floor(n / 100) % 100, d: n % 100 });
const dayBefore = (n: number) => {
  const { y, m, d } = ymd(n);
  const t = new Date(Date.UTC(y, m - 1, d - 1));
  return t.getUTCFullYear() * 10_000 + (t.getUTCMonth() + 1) * 100 + t.getUTCDate();
};

/** IB's hours text read in `ibZone`; a problem in words when a part of it cannot be read (nothing is guessed). */
export function parseTradingHours(text: string, ibZone: string): TradingHours | { problem: string } {
  const zone = ianaZone(ibZone);
  if (typeof zone !== 'string') return zone;
  const at = (date: number, hhmm: string) => zonedTime(ymd(date).y, ymd(date).m, ymd(date).d, Number(hhmm.slice(0, 2)), Number(hhmm.slice(2)), zone);
  const sessions: TradingSession[] = [];
  const closed = new Set<number>();
  const days: number[] = [];
  for (const part of text.split(';').map((p) => p.trim()).filter(Boolean)) {
    const bad = { problem: `IB's hours "${part}" are not in the form 20240102:0930-20240102:1600 or 20240102:CLOSED` };
    const head = /^(\d{8}):(.*)$/.exec(part);
    if (!head) return bad;
    const date = Number(head[1]);
    days.push(date);
    if (head[2] === 'CLOSED') {
      closed.add(date);
      continue;
    }
    for (const range of head[2].split(',')) {
      const full = /^(\d{4})-(\d{8}):(\d{4})$/.exec(range);
      const short = /^(\d{4})-(\d{4})$/.exec(range);
      let s: TradingSession;
      if (full) s = { start: at(date, full[1]), end: at(Number(full[2]), full[3]) };
      else if (short) s = short[2] > short[1] ? { start: at(date, short[1]), end: at(date, short[2]) } : { start: at(dayBefore(date), short[1]), end: at(date, short[2]) };
      else return bad;
      if (!(s.end > s.start) || !/^([01]\d|2[0-3])[0-5]\d$/.test(range.slice(0, 4))) return bad;
      sessions.push(s);
    }
  }
  sessions.sort((a, b) => a.start - b.start);
  // IB repeats a session that spans midnight under both dates in some lists: merge overlaps.
  const merged: TradingSession[] = [];
  for (const s of sessions) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else merged.push({ ...s });
  }
  return { timeZone: zone, sessions: merged, closed, firstDay: days.length ? Math.min(...days) : null, lastDay: days.length ? Math.max(...days) : null };
}

/** Whether IB's list says anything about this local date. */
function covers(h: TradingHours, date: number): boolean {
  return h.firstDay !== null && h.lastDay !== null && date >= h.firstDay && date <= h.lastDay;
}

/** The session open at `t`, or null (closed, or not in IB's list). */
export function sessionAt(h: TradingHours, t: number): TradingSession | null {
  return h.sessions.find((s) => s.start <= t && t < s.end) ?? null;
}

/**
 * Whether the market is open at `t`: true or false where IB's list covers the
 * date, null where it does not (beyond the week IB sends).
 */
export function openAt(h: TradingHours, t: number): boolean | null {
  if (sessionAt(h, t)) return true;
  return covers(h, localDate(t, h.timeZone)) ? false : null;
}

/** A local date with no trading: marked CLOSED, or inside IB's list with no session touching it (a weekend). Unknown dates are not closed. */
export function isClosedDay(h: TradingHours, date: number): boolean {
  if (h.closed.has(date)) return true;
  if (!covers(h, date)) return false;
  return !h.sessions.some((s) => localDate(s.start, h.timeZone) <= date && date <= localDate(s.end - 1, h.timeZone));
}

/** The end of the last session ending on this local date (a daily bar's close), or null. */
export function sessionEndOn(h: TradingHours, date: number): number | null {
  const ends = h.sessions.filter((s) => localDate(s.end - 1, h.timeZone) === date).map((s) => s.end);
  return ends.length ? Math.max(...ends) : null;
}

/** The next session start after `t`, or null when IB's list has none. */
export function nextSessionStart(h: TradingHours, t: number): number | null {
  return h.sessions.find((s) => s.start > t)?.start ?? null;
}

/** How much of [from, to) the market was open; times IB's list does not cover count as open (nothing known). */
export function openMsBetween(h: TradingHours, from: number, to: number): number {
  if (!(to > from)) return 0;
  let open = 0;
  for (const s of h.sessions) open += Math.max(0, Math.min(to, s.end) - Math.max(from, s.start));
  // Beyond the list (before its first day, after its last): counted open.
  if (h.firstDay !== null && h.lastDay !== null) {
    const first = ymd(h.firstDay);
    const after = ymd(h.lastDay);
    const listStart = zonedTime(first.y, first.m, first.d, 0, 0, h.timeZone);
    const listEnd = zonedTime(after.y, after.m, after.d + 1, 0, 0, h.timeZone);
    open += Math.max(0, Math.min(to, listStart) - from) + Math.max(0, to - Math.max(from, listEnd));
  } else open = to - from;
  return open;
}

/** Time on dates that are not closed days in [from, to): a daily bar's clock. Unknown dates count. */
export function dayTimeBetween(h: TradingHours, from: number, to: number): number {
  let total = 0;
  let t = from;
  while (t < to) {
    const date = localDate(t, h.timeZone);
    const { y, m, d } = ymd(date);
    const next = Math.min(to, zonedTime(y, m, d + 1, 0, 0, h.timeZone));
    if (!isClosedDay(h, date)) total += next - t;
    t = next > t ? next : t + 3_600_000;
  }
  return total;
}
