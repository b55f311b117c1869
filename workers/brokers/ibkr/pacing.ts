import type { Clock } from '../../trading/clock.ts';
import type { Scheduler } from '../ctrader/scheduler.ts';
import { contractFields } from './contract.ts';
import type { HistoryRequest } from './requests.ts';

/**
 * IB's published limits on historical-data requests; breaking one earns a 162
 * pacing violation, and repeated violations can get the connection dropped.
 */
export const IB_HISTORY_LIMITS = {
  /** At most 60 requests in any 10 minutes. */
  perWindow: 60,
  windowMs: 10 * 60_000,
  /** No identical request (contract, end, duration, bar size, what-to-show) within 15 s. */
  identicalMs: 15_000,
  /** Fewer than 6 requests for one contract (with its exchange and what-to-show) within 2 s. */
  perContract: 5,
  contractMs: 2_000,
};

export type HistoryLimits = typeof IB_HISTORY_LIMITS;

/** What ask() gives back: the request was refused (in words), or it is sent or waiting and may still be cancelled. */
export type PacedTicket = { refused: string } | { refused: null; waiting: boolean; cancel: () => boolean };

interface Waiting {
  identity: string;
  contract: string;
  go: () => void;
  drop: (why: string) => void;
}

/** Same contract (every field IB reads, exchange included) and same what-to-show: the 2 s rule's unit. */
export function contractKey(r: HistoryRequest): string {
  return [...contractFields(r.contract), r.whatToShow].join('|');
}

/** What makes two requests identical for the 15 s rule. */
export function identityKey(r: HistoryRequest): string {
  return [contractKey(r), r.endDateTime, r.duration, r.barSize].join('|');
}

/**
 * A queue for historical-data requests that keeps IB's three limits. A request
 * that may go goes at once (synchronously, inside ask); one that must wait goes
 * at the earliest time all limits allow, never before one asked earlier (first
 * asked, first sent). An identical request within 15 s of one sent, or while an
 * identical one waits, is REFUSED in words rather than joined: a caller that asks
 * the same bars twice in 15 s has a bug or a retry loop, and joining would tie two
 * callers to one request id (one cancel would end both, one keepUpToDate stream
 * would feed two handlers); IB itself would answer it with a 162.
 */
export class HistoryPacing {
  /** Sends in the last 10 minutes, oldest first. */
  private sent: { at: number; identity: string; contract: string }[] = [];
  private queue: Waiting[] = [];
  private stopTimer: (() => void) | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly limits: HistoryLimits = IB_HISTORY_LIMITS,
  ) {}

  /** Requests waiting their turn. */
  get waiting(): number {
    return this.queue.length;
  }

  /** `go` sends the request (now or later); `drop` is told why a waiting request will never go (see clear). */
  ask(req: HistoryRequest, go: () => void, drop: (why: string) => void = () => {}): PacedTicket {
    const identity = identityKey(req);
    const contract = contractKey(req);
    const now = this.clock.now();
    const last = this.sent.findLast((s) => s.identity === identity && s.at > now - this.limits.identicalMs);
    if (last) return { refused: `an identical historical request (${describe(req)}) was sent ${((now - last.at) / 1000).toFixed(1)} s ago: IB refuses a repeat within ${this.limits.identicalMs / 1000} s (use the first answer, or ask again after that)` };
    if (this.queue.some((w) => w.identity === identity)) return { refused: `an identical historical request (${describe(req)}) is already waiting its turn: IB refuses a repeat within ${this.limits.identicalMs / 1000} s` };
    const item: Waiting = { identity, contract, go, drop };
    if (this.queue.length === 0 && this.earliest(contract) <= now) {
      this.send(item, now);
      return { refused: null, waiting: false, cancel: () => false };
    }
    this.queue.push(item);
    this.arm();
    return { refused: null, waiting: true, cancel: () => this.cancel(item) };
  }

  /** Drops every waiting request (the session closed), telling each why. */
  clear(why: string): void {
    this.stopTimer?.();
    this.stopTimer = null;
    const dropped = this.queue;
    this.queue = [];
    for (const w of dropped) w.drop(why);
  }

  private cancel(item: Waiting): boolean {
    const i = this.queue.indexOf(item);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    this.arm();
    return true;
  }

  /** The earliest time a request for `contract` may go given what was sent. */
  private earliest(contract: string): number {
    const l = this.limits;
    let t = -Infinity;
    if (this.sent.length >= l.perWindow) t = this.sent[this.sent.length - l.perWindow]!.at + l.windowMs;
    const same = this.sent.filter((s) => s.contract === contract);
    if (same.length >= l.perContract) t = Math.max(t, same[same.length - l.perContract]!.at + l.contractMs);
    return t;
  }

  private send(item: Waiting, now: number): void {
    this.sent.push({ at: now, identity: item.identity, contract: item.contract });
    const keep = Math.max(this.limits.windowMs, this.limits.identicalMs, this.limits.contractMs);
    while (this.sent.length > 0 && this.sent[0]!.at <= now - keep) this.sent.shift();
    item.go();
  }

  /** One timer, for the head of the queue. */
  private arm(): void {
    this.stopTimer?.();
    this.stopTimer = null;
    const head = this.queue[0];
    if (!head) return;
    this.stopTimer = this.scheduler.after(Math.max(0, this.earliest(head.contract) - this.clock.now()), () => this.drain());
  }

  private drain(): void {
    this.stopTimer = null;
    const now = this.clock.now();
    while (this.queue.length > 0 && this.earliest(this.queue[0]!.contract) <= now) this.send(this.queue.shift()!, now);
    this.arm();
  }
}

function describe(r: HistoryRequest): string {
  const c = r.contract;
  return `${c.localSymbol ?? c.symbol ?? c.conId} ${c.secType} ${c.exchange} ${r.whatToShow} ${r.duration} of ${r.barSize} to ${r.endDateTime || 'now'}`;
}
