import type { Clock } from '../../trading/clock.ts';
import type { Scheduler } from './scheduler.ts';

/** cTrader's limits per connection: 50 requests/s overall, 5/s for historical data. */
export const RATE_LIMITS = { perSecond: 50, historicalPerSecond: 5 } as const;

/** The historical group (help.ctrader.com; spotware FAQ). */
export const HISTORICAL = new Set(['ProtoOAGetTrendbarsReq', 'ProtoOAGetTickDataReq', 'ProtoOADealListReq', 'ProtoOAOrderListReq', 'ProtoOACashFlowHistoryListReq']);

interface Job {
  historical: boolean;
  run: () => void;
}

/**
 * Sends in order within both limits, using sliding one-second windows on the
 * injected clock. Trading requests jump the queue: an order must not wait
 * behind a backfill.
 */
export class RequestQueue {
  private readonly queue: Job[] = [];
  private readonly sent: number[] = [];
  private readonly sentHistorical: number[] = [];
  private wake: (() => void) | null = null;
  private pausedUntil = 0;

  constructor(
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly limits: { perSecond: number; historicalPerSecond: number } = RATE_LIMITS,
  ) {}

  push(historical: boolean, run: () => void, urgent = false): void {
    const job = { historical, run };
    if (urgent) this.queue.unshift(job);
    else this.queue.push(job);
    this.drain();
  }

  /** Nothing is sent before `until` (a rate-limit error's retryAfter). */
  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
    this.drain();
  }

  /** Drops what waits (the connection closed: the callers are told by their own rejections). */
  clear(): Job[] {
    this.wake?.();
    this.wake = null;
    return this.queue.splice(0);
  }

  get waiting(): number {
    return this.queue.length;
  }

  private drain(): void {
    // A new job may be sendable although the head waits (a read behind history): look again.
    this.wake?.();
    this.wake = null;
    while (this.queue.length) {
      const now = this.clock.now();
      prune(this.sent, now);
      prune(this.sentHistorical, now);
      let wait = this.pausedUntil - now;
      if (this.sent.length >= this.limits.perSecond) wait = Math.max(wait, this.sent[0] + 1000 - now);
      // The first historical job that waits must not block the others behind it.
      let i = 0;
      if (this.sentHistorical.length >= this.limits.historicalPerSecond) {
        i = this.queue.findIndex((j) => !j.historical);
        if (i < 0) wait = Math.max(wait, this.sentHistorical[0] + 1000 - now);
        i = Math.max(i, 0);
      }
      if (wait > 0) {
        const cancel = this.scheduler.after(wait, () => {
          this.wake = null;
          this.drain();
        });
        this.wake = cancel;
        return;
      }
      const [job] = this.queue.splice(i, 1);
      this.sent.push(now);
      if (job.historical) this.sentHistorical.push(now);
      job.run();
    }
  }
}

function prune(times: number[], now: number): void {
  let k = 0;
  while (k < times.length && times[k] <= now - 1000) k++;
  if (k) times.splice(0, k);
}
