import type { HostStatus } from '../../workers/host/api.ts';
import type { SnapshotRepository } from '../../workers/store/store.ts';
import type { OpsState } from '../server/context.ts';
import type { Logger } from './log.ts';

export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const realIntervals: IntervalTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

/**
 * Every `intervalMs` (60 s by default) the account as the host sees it goes to
 * store.snapshots: equity, balance, margin, drawdown. The host also snapshots
 * at each bar close of a replay; a poll at an account time that is already
 * recorded adds nothing, so a paused or finished replay does not fill the
 * table with copies while a live account (time moving on) is sampled.
 */
export function startAccountPoll(o: { status: () => Promise<HostStatus>; snapshots: SnapshotRepository; intervalMs: number; ops: OpsState; log: Logger; timers?: IntervalTimers; now?: () => number }) {
  const timers = o.timers ?? realIntervals;
  const now = o.now ?? Date.now;
  let last = -Infinity;
  let inFlight: Promise<void> | null = null;
  const poll = async () => {
    try {
      const s = await o.status();
      const a = s.account;
      if (a.time > last && (await o.snapshots.list({ from: a.time })).length === 0) {
        await o.snapshots.append({ time: a.time, balance: a.balance, equity: a.equity, usedMargin: a.usedMargin, freeMargin: a.freeMargin, drawdown: a.drawdown });
      }
      last = Math.max(last, a.time);
      o.ops.lastPoll = { time: now(), ok: true };
    } catch (e) {
      o.ops.lastPoll = { time: now(), ok: false, error: (e as Error).message };
      o.log.warn('account poll failed', { error: e });
    }
  };
  const tick = () => {
    if (inFlight) return; // a slow store must not stack polls
    inFlight = poll().finally(() => (inFlight = null));
  };
  const handle = timers.setInterval(tick, o.intervalMs);
  return {
    /** Polls now (start-up and tests). */
    pollNow: () => {
      tick();
      return inFlight ?? Promise.resolve();
    },
    /** Stops polling and waits for a poll under way to finish its write. */
    async stop() {
      timers.clearInterval(handle);
      await inFlight;
    },
  };
}
