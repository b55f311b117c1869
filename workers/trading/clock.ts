/**
 * The engine's only source of time. Backtests, replays and live trading differ
 * in the clock and the feed they inject, never in engine code, so the same bars
 * give the same decisions bit for bit.
 */
export interface Clock {
  now(): number;
}

/** Time that moves only when the feed moves it: backtests and replays. */
export class SimulatedClock implements Clock {
  constructor(private t = 0) {}

  now(): number {
    return this.t;
  }

  /** Moves time forward; going backwards would reorder the record, so it is refused. */
  advanceTo(t: number): void {
    if (t < this.t) throw new Error(`simulated clock cannot go back from ${new Date(this.t).toISOString()} to ${new Date(t).toISOString()}`);
    this.t = t;
  }
}

/** Waiting, for feeds that pace themselves (replays) or poll. Injected like the clock. */
export interface Timers {
  sleep(ms: number): Promise<void>;
}
