import type { Scheduler } from '../ctrader/scheduler.ts';
import { CLIENT_CODES, IbkrError } from './codes.ts';
import type { ContractDetails } from './contract.ts';
import type { IbBar, Incoming } from './responses.ts';

export interface HistoryResult {
  reqId: number;
  start: string;
  end: string;
  bars: IbBar[];
}

export type Pending =
  | { kind: 'contract'; rows: ContractDetails[]; resolve: (r: ContractDetails[]) => void; reject: (e: Error) => void; stop: () => void }
  /** `streaming`: keepUpToDate bars delivered, updates go to onUpdate until cancelled. */
  | { kind: 'history'; resolve: (r: HistoryResult) => void; reject: (e: Error) => void; stop: () => void; onUpdate?: (bar: IbBar) => void; streaming: boolean };

/** Answers without a request id: the oldest waiter of that type gets the next one. */
export type WaitType = 'currentTime' | 'nextValidId' | 'managedAccounts';

/**
 * Data request ids start far above order ids: IB names either in ERR_MSG, and
 * order ids grow from NEXT_VALID_ID (often 1), so the two never meet.
 */
export const FIRST_REQUEST_ID = 1_000_000_000;

/** The session's requests in flight: by request id, or waiting for an answer type; each with its timeout. */
export class PendingRequests {
  readonly byId = new Map<number, Pending>();
  private readonly waiters: { type: WaitType; resolve: (m: Incoming) => void; reject: (e: Error) => void; stop: () => void }[] = [];
  private nextId = FIRST_REQUEST_ID;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly timeoutMs: number,
  ) {}

  /** Registers a request and returns its id; it times out unless it is a stream already delivering. */
  add(make: (stop: () => void) => Pending): number {
    const reqId = this.nextId++;
    const stop = this.scheduler.after(this.timeoutMs, () => {
      const p = this.byId.get(reqId);
      if (p && !(p.kind === 'history' && p.streaming)) this.settle(reqId)?.reject(new Error(`TWS did not answer request ${reqId} within ${this.timeoutMs / 1000} s`));
    });
    this.byId.set(reqId, make(stop));
    return reqId;
  }

  /** An id from the same sequence for a request tracked elsewhere. */
  reserve(): number {
    return this.nextId++;
  }

  /** Takes a request out (answered, failed or cancelled). */
  settle(reqId: number): Pending | undefined {
    const p = this.byId.get(reqId);
    this.byId.delete(reqId);
    p?.stop();
    return p;
  }

  wait(type: WaitType): Promise<Incoming> {
    return new Promise((resolve, reject) => {
      const w = { type, resolve, reject, stop: () => {} };
      w.stop = this.scheduler.after(this.timeoutMs, () => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`TWS did not answer ${type} within ${this.timeoutMs / 1000} s`));
      });
      this.waiters.push(w);
    });
  }

  /** Hands an answer to the oldest waiter for it; false when none waits. */
  answer(type: WaitType, m: Incoming): boolean {
    const i = this.waiters.findIndex((w) => w.type === type);
    if (i < 0) return false;
    const [w] = this.waiters.splice(i, 1);
    w.stop();
    w.resolve(m);
    return true;
  }

  /** The connection is gone: every request in flight hears why. */
  failAll(why: string): void {
    for (const [id] of [...this.byId]) this.settle(id)?.reject(new IbkrError(CLIENT_CODES.NOT_CONNECTED, `${why}, before the answer to request ${id}`, id));
    for (const w of this.waiters.splice(0)) {
      w.stop();
      w.reject(new IbkrError(CLIENT_CODES.NOT_CONNECTED, `${why}, before the answer to ${w.type}`));
    }
  }
}
