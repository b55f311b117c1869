import { Cron } from 'croner';

/**
 * When the daily summary and the pulse are due, on the engine's clock: the
 * caller passes `now` at each step (no timers), so a replay or a test crosses
 * a simulated week in milliseconds exactly as live crosses a real one. croner
 * computes the next time in the time zone (summer time included) and is never
 * started: `paused` with no job, it only answers nextRun / previousRuns.
 */

export interface ScheduleOptions {
  /** IANA zone of the summary time and the pulse hours (UTC by default). */
  timeZone?: string;
  /** Local time of the daily summary, 'HH:MM' (default '00:00'). */
  summaryTime?: string;
  /** A pulse every this many hours from local midnight (a divisor of 24); 0 = no pulse. */
  pulseHours: number;
}

export type ScheduledRun =
  /** The summary of the day [from, at): `from` is the summary time before. */
  | { kind: 'summary.daily'; at: number; from: number }
  | { kind: 'pulse'; at: number };

/** A clock that jumps (a replay catching up) gets each missed summary, up to this many, and only the latest pulse. */
const MAX_SUMMARIES_AT_ONCE = 31;

export class AlertSchedule {
  private readonly daily: Cron;
  private readonly pulse: Cron | null;
  private nextDaily: number | null = null;
  private nextPulse: number | null = null;

  constructor(o: ScheduleOptions) {
    const timezone = o.timeZone ?? 'UTC';
    const [h, m] = (o.summaryTime ?? '00:00').split(':').map(Number);
    this.daily = new Cron(`${m} ${h} * * *`, { timezone, paused: true });
    this.pulse = o.pulseHours > 0 ? new Cron(`0 */${o.pulseHours} * * *`, { timezone, paused: true }) : null;
  }

  /** The runs due at `now`, oldest first. The first call only sets the times after it: nothing is due at start. */
  due(now: number): ScheduledRun[] {
    if (this.nextDaily === null) {
      this.nextDaily = after(this.daily, now);
      this.nextPulse = this.pulse ? after(this.pulse, now) : null;
      return [];
    }
    const out: ScheduledRun[] = [];
    while (this.nextDaily !== null && this.nextDaily <= now) {
      const at = this.nextDaily;
      out.push({ kind: 'summary.daily', at, from: this.previous(at) });
      this.nextDaily = after(this.daily, at);
    }
    let pulseAt: number | null = null;
    while (this.pulse && this.nextPulse !== null && this.nextPulse <= now) {
      pulseAt = this.nextPulse;
      this.nextPulse = after(this.pulse, pulseAt);
    }
    const runs = out.slice(-MAX_SUMMARIES_AT_ONCE);
    if (pulseAt !== null) runs.push({ kind: 'pulse', at: pulseAt });
    return runs.sort((a, b) => a.at - b.at);
  }

  /** The next summary and pulse times (null before the first `due`, or with no pulse). */
  next(): { summary: number | null; pulse: number | null } {
    return { summary: this.nextDaily, pulse: this.nextPulse };
  }

  private previous(at: number): number {
    return this.daily.previousRuns(1, new Date(at))[0]?.getTime() ?? at - 86_400_000;
  }
}

function after(c: Cron, t: number): number | null {
  return c.nextRun(new Date(t))?.getTime() ?? null;
}
