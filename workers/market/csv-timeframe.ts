/**
 * Timeframe from bar times, period-end labels moved to period opens, and gap
 * statistics: the parts of an import that look at the times as a whole.
 */
import { barOpenTime, nextBarOpenTime, TIMEFRAME_MS, TIMEFRAMES } from './timeframe.ts';
import type { Timeframe } from './timeframe.ts';
import { formatDuration, formatUtc } from './csv-time.ts';
import { formatCount } from './csv-report.ts';
import type { GapStats } from './csv-report.ts';

const DAY_MS = 86_400_000;

export interface TimeframeGuess {
  timeframe: Timeframe | null;
  /** e.g. "H1: 4,957 of 4,999 spacings are 1h", or why none was found. */
  how: string;
}

/**
 * The timeframe from the most common spacing between consecutive bars: gaps
 * (weekends, holidays, missing bars) are longer than one bar but rarer than
 * the bar length itself, so the mode survives them. Months vary from 28 to 31
 * days, so calendar months are recognised as a band rather than one spacing.
 */
export function detectTimeframe(time: ArrayLike<number>): TimeframeGuess {
  const spacings = time.length - 1;
  if (spacings < 1) return { timeframe: null, how: `${time.length === 1 ? 'only 1 bar' : 'no bars'}: the timeframe cannot be told from spacings` };
  const counts = new Map<number, number>();
  let monthly = 0;
  for (let i = 0; i < spacings; i++) {
    const d = time[i + 1] - time[i];
    counts.set(d, (counts.get(d) ?? 0) + 1);
    if (d >= 28 * DAY_MS && d <= 31 * DAY_MS) monthly++;
  }
  const of = `of ${formatCount(spacings)} spacings`;
  if (monthly * 2 > spacings) return { timeframe: 'MN1', how: `MN1: ${formatCount(monthly)} ${of} are 28-31 days (calendar months)` };
  let mode = 0;
  let modeCount = 0;
  for (const [d, n] of counts) {
    if (n > modeCount || (n === modeCount && d < mode)) {
      mode = d;
      modeCount = n;
    }
  }
  const tf = TIMEFRAMES.find((t) => t !== 'MN1' && TIMEFRAME_MS[t] === mode) ?? null;
  const most = `${formatCount(modeCount)} ${of} are ${formatDuration(mode)}`;
  if (tf) return { timeframe: tf, how: `${tf}: ${most}` };
  return { timeframe: null, how: `no standard timeframe: the most common spacing is ${formatDuration(mode)} (${most.replace(/ are .*/, '')}); expected one of ${TIMEFRAMES.join(' ')}` };
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Weekday name of a UTC instant (1970-01-01 was a Thursday). */
function weekdayOf(t: number): string {
  return WEEKDAYS[(((Math.floor(t / DAY_MS) + 4) % 7) + 7) % 7];
}

/**
 * Moves W1/MN1 times to their period's open in place (BTCUSD.csv labels months
 * by their last day; pandas labels weeks by their Sunday), so every series
 * means "open time" whatever the source. Returns a note when anything moved,
 * or an error when two bars land in the same period.
 */
export function normalizePeriodLabels(time: Float64Array, tf: Timeframe): { note: string | null; error: string | null } {
  if (tf !== 'W1' && tf !== 'MN1') return { note: null, error: null };
  let moved = 0;
  let atEnd = 0;
  let example = '';
  for (let i = 0; i < time.length; i++) {
    const label = time[i];
    const open = barOpenTime(label, tf);
    if (open === label) continue;
    if (moved === 0) example = `${formatUtc(label, 'date')} ${weekdayOf(label).slice(0, 3)} -> ${formatUtc(open, 'date')} ${weekdayOf(open).slice(0, 3)}`;
    moved++;
    if (nextBarOpenTime(open, tf) - label <= 2 * DAY_MS) atEnd++;
    time[i] = open;
    if (i > 0 && time[i - 1] >= open) {
      return { note: null, error: `bars ${formatUtc(time[i - 1], 'date')} and ${formatUtc(label, 'date')} fall in the same ${tf} period once moved to period opens` };
    }
  }
  if (moved === 0) return { note: null, error: null };
  const period = tf === 'MN1' ? 'month' : 'week';
  const labels = atEnd === moved ? `${period}-end labels` : `${period} labels`;
  const opens = tf === 'MN1' ? "each month's first day 00:00 UTC" : "each week's Monday 00:00 UTC";
  return { note: `${formatCount(moved)} ${labels} moved to ${opens} (e.g. ${example}), so times are bar opens`, error: null };
}

/**
 * Gaps: the next bar opens later than one bar after the previous one. A gap is
 * a weekend gap when it covers a Saturday and lasts no longer than from a
 * Friday bar to the following Monday bar (about 3 days and a bar).
 */
export function gapStats(time: ArrayLike<number>, tf: Timeframe): GapStats {
  const stats: GapStats = { count: 0, weekendCount: 0, largestMs: 0, largestAt: null };
  const fixed = tf !== 'MN1';
  const barMs = TIMEFRAME_MS[tf];
  let largestIndex = -1;
  for (let i = 1; i < time.length; i++) {
    const prev = time[i - 1];
    const expected = fixed ? prev + barMs : nextBarOpenTime(prev, tf);
    if (time[i] <= expected) continue;
    stats.count++;
    const span = time[i] - prev;
    if (span > stats.largestMs) {
      stats.largestMs = span;
      largestIndex = i;
    }
    if (span <= 3 * DAY_MS + barMs && coversSaturday(prev, time[i])) stats.weekendCount++;
  }
  if (largestIndex >= 0) stats.largestAt = new Date(time[largestIndex]).toISOString();
  return stats;
}

/** True when a UTC Saturday starts or lies between the two instants. */
function coversSaturday(from: number, to: number): boolean {
  for (let day = Math.floor(from / DAY_MS); day * DAY_MS < to; day++) {
    if ((((day + 4) % 7) + 7) % 7 === 6) return true;
  }
  return false;
}
