import type { Timers } from '../../trading/clock.ts';

/**
 * Cancellable callbacks after a delay: heartbeats, reconnect backoff, the
 * quiet-market bar close. Injected like the engine's Timers, so tests drive
 * time themselves. setTimeout exists in browsers, workers and Node alike.
 */
export interface Scheduler {
  after(ms: number, fn: () => void): () => void;
}

export const wallScheduler: Scheduler = {
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

/** A Scheduler over the engine's Timers (sleep only): a cancelled wake-up is simply ignored. */
export function schedulerFromTimers(timers: Timers | Scheduler): Scheduler {
  if ('after' in timers) return timers;
  return {
    after(ms, fn) {
      let live = true;
      void timers.sleep(ms).then(() => {
        if (live) fn();
      });
      return () => {
        live = false;
      };
    },
  };
}
