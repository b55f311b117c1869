import type { Clock, Timers } from './clock.ts';

/**
 * Real time, for live trading and for pacing replays. It works unchanged in a
 * browser, a worker and Node (Date and setTimeout exist in all three). The
 * engine never constructs it: the host injects it.
 */
export const wallClock: Clock & Timers = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};
