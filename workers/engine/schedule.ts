import { Cron } from 'croner';
import { timeZoneProblem, tradingDay } from '../risk/trading-day.ts';
import { nextBarOpenTime, type Timeframe } from '../market/timeframe.ts';

/**
 * When an agent decides (docs/ENGINE.md, "Daily schedule"): every bar close,
 * or once a day at a local time in an exchange's time zone after the close of
 * its D1 bar. A bar-driven engine decides on the bar itself, so the time maps
 * onto bars like this:
 *
 * - A D1 bar's decision time is the schedule's HH:MM (in its zone) nearest the
 *   bar's close, within 12 hours either side. After the close when the data
 *   settle later (`daily@00:30` waits half an hour past a UTC-midnight close);
 *   before it when the exchange closes before the feed's day does (a New York
 *   stock on UTC-midnight bars: `daily@16:10/America/New_York` belongs to the
 *   bar of that same session). A bar is never decided before it is complete.
 * - A backtest and a replay deliver each D1 bar complete: the agent decides on
 *   it at once (the decision is the same whenever it is taken). A live feed
 *   holds the bar until its decision time (Engine `holdDailyBars`).
 * - One decision per trading day, the day being the local date of the decision
 *   time: a second bar of the same day is skipped in words. A day with no bar
 *   (a holiday, a weekend) has no decision. Orders go to the broker at the
 *   decision and fill at the next session's open (the paper broker fills at
 *   the next bar's open, as for every agent).
 */
export type AgentSchedule = { kind: 'every-bar' } | DailySchedule;

/**
 * `at` is HH:MM in `timeZone` (an IANA zone, UTC when absent). Records written
 * before zones existed hold `atUtc` (HH:MM in UTC) and are read as such.
 */
export type DailySchedule = { kind: 'daily'; at: string; timeZone?: string } | { kind: 'daily'; atUtc: string };

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const HALF_DAY_MS = 43_200_000;

/** The local time and zone of a daily schedule, old (`atUtc`) and new records alike. */
export function dailyTime(s: DailySchedule): { at: string; timeZone: string } {
  return 'atUtc' in s ? { at: s.atUtc, timeZone: 'UTC' } : { at: s.at, timeZone: s.timeZone ?? 'UTC' };
}

/** Every problem with a schedule for an agent trading `timeframe`, in words. */
export function scheduleProblems(s: AgentSchedule, timeframe: Timeframe): string[] {
  if (s.kind === 'every-bar') return [];
  if (s.kind !== 'daily') return [`the schedule must be every bar or daily (got "${(s as { kind: unknown }).kind}")`];
  const out: string[] = [];
  const { at, timeZone } = dailyTime(s);
  if (typeof at !== 'string' || !HH_MM.test(at)) out.push(`the daily time must be HH:MM, 00:00 to 23:59 (got "${at}")`);
  const zone = typeof timeZone === 'string' ? timeZoneProblem(timeZone) : `time zone ${JSON.stringify(timeZone)} is not a zone name`;
  if (zone) out.push(`the daily ${zone}`);
  if (timeframe !== 'D1') out.push(`a once-a-day schedule is for daily-bar agents (this one trades ${timeframe} bars)`);
  return out;
}

/**
 * `every-bar`, or `daily@HH:MM` with an optional IANA zone after a slash
 * (`daily@16:10/America/New_York`): the schedule, or the problem in words.
 * Checked against D1, the only timeframe a daily schedule runs on.
 */
export function parseSchedule(text: string): AgentSchedule | string {
  const t = text.trim();
  if (t === 'every-bar') return { kind: 'every-bar' };
  const m = /^daily@([^/]*)(?:\/(.*))?$/.exec(t);
  if (!m) return `schedule "${text}" must be every-bar or daily@HH:MM[/Area/City] (for example daily@16:10/America/New_York)`;
  const s: DailySchedule = m[2] === undefined ? { kind: 'daily', at: m[1] } : { kind: 'daily', at: m[1], timeZone: m[2] };
  const problems = scheduleProblems(s, 'D1');
  return problems.length ? `schedule "${text}": ${problems.join('; ')}` : s;
}

/** The schedule as parseSchedule reads it. */
export function formatSchedule(s: AgentSchedule): string {
  if (s.kind === 'every-bar') return 'every-bar';
  const { at, timeZone } = dailyTime(s);
  return timeZone === 'UTC' ? `daily@${at}` : `daily@${at}/${timeZone}`;
}

/** Cron jobs by schedule, never started: croner only answers the next local time (summer time included). */
const crons = new Map<string, Cron>();

/** When a D1 bar opening at `barTime` is decided: the schedule's time nearest the bar's close (see AgentSchedule). */
export function dailyDecisionTime(barTime: number, s: DailySchedule): number {
  const { at, timeZone } = dailyTime(s);
  const key = `${at} ${timeZone}`;
  let cron = crons.get(key);
  if (!cron) {
    const [h, m] = at.split(':').map(Number);
    cron = new Cron(`${m} ${h} * * *`, { timezone: timeZone, paused: true });
    crons.set(key, cron);
  }
  const close = nextBarOpenTime(barTime, 'D1');
  // Strictly after close - 12 h: the occurrence within (close - 12 h, close + 12 h].
  return cron.nextRun(new Date(close - HALF_DAY_MS))!.getTime();
}

/** The trading day (yyyymmdd, local) a D1 bar is decided on: one decision per such day. */
export function dailyDecisionDay(barTime: number, s: DailySchedule): number {
  return tradingDay(dailyDecisionTime(barTime, s), dailyTime(s).timeZone);
}
