import type { Clock } from '../../workers/trading/clock.ts';
import type { OutboxTimers } from '../../relay/notify/outbox.ts';

/**
 * Simulated time for the outbox: a clock and timers that move only when the
 * test advances them. Between timers the test waits for the outbox to settle
 * (its sends are real HTTP on loopback), so minutes of retries take milliseconds.
 */
export class SimTime implements Clock, OutboxTimers {
  private timers: { at: number; n: number; fn: () => void }[] = [];
  private n = 0;

  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const h = { at: this.t + Math.max(0, ms), n: this.n++, fn };
    this.timers.push(h);
    return h;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((h) => h !== handle);
  }

  /** The times timers are set for, in order (to assert a backoff). */
  pending(): number[] {
    return this.timers.map((h) => h.at).sort((a, b) => a - b);
  }

  /** Runs every timer due within `ms`, in time order, letting `settle` finish the work each one starts. */
  async advance(ms: number, settle: () => Promise<void>): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((h) => h.at <= end).sort((a, b) => a.at - b.at || a.n - b.n)[0];
      if (!due) break;
      this.timers = this.timers.filter((h) => h !== due);
      this.t = due.at;
      due.fn();
      await settle();
    }
    this.t = end;
  }
}
