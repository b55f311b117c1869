import { utcDate } from '../util/utc-text.ts';
import type { TradeRecord } from '../store/projections.ts';

/**
 * Calendar periods on the engine clock, in UTC: days, ISO weeks (Monday
 * 00:00 to Monday 00:00) and calendar months. The P&L commands and the PWA's
 * period tables count a trade in the period its exit falls in, by the
 * engine's time (a replay's simulated clock), never the wall clock.
 */

export type PeriodKind = 'day' | 'week' | 'month';

const DAY = 86_400_000;

/** The start of the period holding `ms`. */
export function periodStart(kind: PeriodKind, ms: number): number {
  const d = new Date(ms);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (kind === 'day') return day;
  // getUTCDay: Sunday 0 ... Saturday 6; an ISO week starts on Monday.
  if (kind === 'week') return day - ((d.getUTCDay() + 6) % 7) * DAY;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The start of the period after the one starting at `start`. */
export function nextPeriod(kind: PeriodKind, start: number): number {
  if (kind === 'day') return start + DAY;
  if (kind === 'week') return start + 7 * DAY;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** The start of the period before the one starting at `start`. */
export function previousPeriod(kind: PeriodKind, start: number): number {
  return periodStart(kind, start - 1);
}

/** ISO week year and number of the week starting (Monday) at `start`: its Thursday decides the year. */
export function isoWeek(start: number): { year: number; week: number } {
  const thursday = new Date(start + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const dayOfYear = (thursday.getTime() - Date.UTC(year, 0, 1)) / DAY;
  return { year, week: Math.floor(dayOfYear / 7) + 1 };
}

/** '2018-01-03', '2018-W01 (from 2018-01-01)', '2018-01'. */
export function periodLabel(kind: PeriodKind, start: number): string {
  if (kind === 'day') return utcDate(start);
  if (kind === 'month') return utcDate(start).slice(0, 7);
  const { year, week } = isoWeek(start);
  return `${year}-W${String(week).padStart(2, '0')} (from ${utcDate(start)})`;
}

/** Closed trades of one period: net P&L, count, and wins (net P&L above zero, as the daily summary counts them). */
export interface PeriodTally {
  netPnl: number;
  trades: number;
  wins: number;
}

/** Tallies the trades whose exit is in [from, to). */
export function tally(trades: readonly TradeRecord[], from: number, to: number): PeriodTally {
  const t: PeriodTally = { netPnl: 0, trades: 0, wins: 0 };
  for (const x of trades) {
    if (x.exitTime < from || x.exitTime >= to) continue;
    t.netPnl += x.netPnl;
    t.trades++;
    if (x.netPnl > 0) t.wins++;
  }
  return t;
}

/** One period of a P&L table: its start, its label and its closed trades' tally. */
export interface PeriodRow {
  start: number;
  label: string;
  tally: PeriodTally;
}

/** The periods holding at least one exit, newest first (a period without a closed trade has no row). */
export function periodRows(trades: readonly TradeRecord[], kind: PeriodKind): PeriodRow[] {
  const starts = [...new Set(trades.map((t) => periodStart(kind, t.exitTime)))].sort((a, b) => b - a);
  return starts.map((start) => ({ start, label: periodLabel(kind, start), tally: tally(trades, start, nextPeriod(kind, start)) }));
}
