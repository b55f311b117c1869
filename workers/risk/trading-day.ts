/**
 * The trading day's boundary in a time zone (UTC by default): where the daily
 * loss restarts and where a breaker set to 'next-day' resumes. Computed from
 * the engine clock's time only, so a backtest crosses days exactly as live does.
 */

const formats = new Map<string, Intl.DateTimeFormat>();
const DAY_MS = 86_400_000;

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(timeZone, f);
  }
  return f;
}

/** Why a time zone cannot be used, or null. */
export function timeZoneProblem(timeZone: string): string | null {
  try {
    format(timeZone);
    return null;
  } catch {
    return `time zone "${timeZone}" is not a known IANA zone (for example UTC, Europe/London, America/New_York)`;
  }
}

/** The local calendar fields of an instant in the zone. */
function local(ms: number, timeZone: string): { y: number; m: number; d: number; offset: number } {
  if (timeZone === 'UTC') {
    const t = new Date(ms);
    return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate(), offset: 0 };
  }
  const parts: Record<string, number> = {};
  for (const p of format(timeZone).formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return { y: parts.year, m: parts.month, d: parts.day, offset: asUtc - Math.floor(ms / 1000) * 1000 };
}

/** A number naming the local day of `ms` (yyyymmdd): equal for two instants of the same trading day. */
export function tradingDay(ms: number, timeZone: string): number {
  const l = local(ms, timeZone);
  return l.y * 10_000 + l.m * 100 + l.d;
}

/** The instant the next local day begins after `ms` (local midnight), ms UTC. */
export function nextDayStart(ms: number, timeZone: string): number {
  // UTC has no offsets to find: the next multiple of a day (asked at every day's first bar of a backtest).
  if (timeZone === 'UTC') return (Math.floor(ms / DAY_MS) + 1) * DAY_MS;
  const l = local(ms, timeZone);
  const today = l.y * 10_000 + l.m * 100 + l.d;
  const midnightUtc = Date.UTC(l.y, l.m - 1, l.d + 1);
  // The offset can change overnight (summer time): midnight read with today's offset, and with the offset there.
  const first = midnightUtc - l.offset;
  const second = midnightUtc - local(first, timeZone).offset;
  // Where summer time skips midnight (Santiago), one of them is still today: the day begins at the earliest that is not.
  const next = [first, second].filter((t) => tradingDay(t, timeZone) > today);
  if (next.length) return Math.min(...next);
  // Neither (no zone does this today): the first whole hour that is tomorrow.
  let t = Math.max(first, second);
  while (tradingDay(t, timeZone) <= today) t += 3_600_000;
  return t;
}
