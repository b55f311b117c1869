import type { Clock } from '../../trading/clock.ts';
import type { Scheduler } from '../ctrader/scheduler.ts';
import { IbkrError } from './codes.ts';
import { IbkrSession, type Notice } from './connection.ts';
import { IbkrOrders, type OrderEvent } from './orders.ts';
import type { IbkrTransport } from './transport.ts';

export interface IbkrClientOptions {
  /** A fresh transport for each connection attempt (an IbkrSession connects once). */
  transport: () => IbkrTransport;
  clock: Clock;
  scheduler: Scheduler;
  clientId: number;
  /** Reconnect delays: first, doubling up to max (defaults 1 s and 60 s). */
  backoff?: { firstMs?: number; maxMs?: number };
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface IbkrHealth {
  state: 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'stopped';
  lastMessageAt: number | null;
  serverVersion: number | null;
  accounts: string[];
  /** The last failure in words (IB's text when IB gave one), null once ready again. */
  lastError: string | null;
  /** When the current outage began (null while ready). */
  downSince: number | null;
  /** How many times a session became ready. */
  readyCount: number;
}

export interface ReadyContext {
  session: IbkrSession;
  orders: IbkrOrders;
  again: boolean;
  /** ms the connection was down before this ready (null the first time). */
  downForMs: number | null;
}

/**
 * TWS or IB Gateway, kept connected: a new IbkrSession per attempt, retried
 * with a doubling delay (1 s, 2 s, 4 s ... capped at 60 s) while the port
 * refuses or drops us, as it does during TWS's nightly and weekly restarts.
 * The delay starts over once a session has stayed ready for the capped delay,
 * so a gateway that accepts and drops at once is not hammered. After each
 * ready the onReady handlers run in order, each awaited (the broker
 * reconciles before the feed resubscribes); only then is the session offered
 * as ready, and only then does start() resolve the first time.
 */
export class IbkrClient {
  private state: IbkrHealth['state'] = 'idle';
  private current: { session: IbkrSession; orders: IbkrOrders } | null = null;
  private lastSession: IbkrSession | null = null;
  private lastError: string | null = null;
  private downSince: number | null = null;
  private readyCount = 0;
  private attempt = 0;
  private cancelRetry: (() => void) | null = null;
  private cancelSteady: (() => void) | null = null;
  private started: { resolve: () => void; reject: (e: Error) => void; promise: Promise<void> } | null = null;
  private readonly readyHandlers: ((ctx: ReadyContext) => void | Promise<void>)[] = [];
  private readonly downHandlers: ((reason: string) => void)[] = [];
  private readonly noticeHandlers: ((n: Notice) => void)[] = [];
  private readonly orderHandlers: ((e: OrderEvent) => void)[] = [];

  constructor(private readonly o: IbkrClientOptions) {}

  /** Connects, retrying with backoff; resolves once the first session is ready and every onReady handler ran. Rejects only if stopped first. */
  start(): Promise<void> {
    if (this.started) return this.started.promise;
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    // A caller that only stops must not see an unhandled rejection.
    promise.catch(() => {});
    this.started = { resolve, reject, promise };
    if (this.state === 'stopped') reject(new Error('the IB connection was stopped before it was ready'));
    else void this.connect();
    return promise;
  }

  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.cancelRetry?.();
    this.cancelSteady?.();
    this.cancelRetry = this.cancelSteady = null;
    const s = this.current?.session ?? this.lastSession;
    this.current = null;
    s?.close('stopped by TradeGuard');
    this.started?.reject(new Error('the IB connection was stopped before it was ready'));
  }

  /** The ready session, else null. */
  get session(): IbkrSession | null {
    return this.state === 'ready' ? (this.current?.session ?? null) : null;
  }

  get orders(): IbkrOrders | null {
    return this.state === 'ready' ? (this.current?.orders ?? null) : null;
  }

  health(): IbkrHealth {
    const s = this.current?.session ?? this.lastSession;
    return {
      state: this.state,
      lastMessageAt: s?.lastMessageAt ?? null,
      serverVersion: s?.info?.serverVersion ?? null,
      accounts: s?.info?.accounts ?? [],
      lastError: this.lastError,
      downSince: this.downSince,
      readyCount: this.readyCount,
    };
  }

  /** After each ready, in registration order, each awaited. A throwing handler is logged, not fatal. */
  onReady(h: (ctx: ReadyContext) => void | Promise<void>): void {
    this.readyHandlers.push(h);
  }

  onDown(h: (reason: string) => void): void {
    this.downHandlers.push(h);
  }

  /** Notices of every session (farm messages, 1100/1101/1102, failures naming no request). */
  onNotice(h: (n: Notice) => void): void {
    this.noticeHandlers.push(h);
  }

  /** Order events of every session's IbkrOrders. */
  onOrderEvent(h: (e: OrderEvent) => void): void {
    this.orderHandlers.push(h);
  }

  private async connect(): Promise<void> {
    this.cancelRetry = null;
    if (this.state === 'stopped') return;
    this.state = this.readyCount === 0 ? 'connecting' : 'reconnecting';
    const session = new IbkrSession({ transport: this.o.transport(), clock: this.o.clock, scheduler: this.o.scheduler, clientId: this.o.clientId, log: this.o.log });
    this.lastSession = session;
    // Built before connecting: TWS may send order messages right after ready.
    const orders = new IbkrOrders(session, this.o.scheduler);
    session.onNotice((n) => this.each(this.noticeHandlers, n, 'notice'));
    orders.onOrderEvent((e) => this.each(this.orderHandlers, e, 'order event'));
    try {
      await session.connect();
    } catch (e) {
      return this.failed(this.explain(e as Error));
    }
    if ((this.state as IbkrHealth['state']) === 'stopped') return session.close('stopped by TradeGuard');
    session.onClose((why) => this.lost(session, why));
    if (session.state !== 'ready') return this.failed('the connection to TWS closed as it became ready');
    await this.ready(session, orders);
  }

  private async ready(session: IbkrSession, orders: IbkrOrders): Promise<void> {
    const now = this.o.clock.now();
    const again = this.readyCount > 0;
    const downForMs = again && this.downSince !== null ? now - this.downSince : null;
    this.current = { session, orders };
    this.state = 'ready';
    this.readyCount++;
    this.lastError = null;
    this.downSince = null;
    const maxMs = this.o.backoff?.maxMs ?? 60_000;
    this.cancelSteady = this.o.scheduler.after(maxMs, () => void (this.attempt = 0));
    this.o.log?.('info', `connected to TWS (server version ${session.info?.serverVersion}, accounts ${session.info?.accounts.join(', ')})${downForMs !== null ? ` after ${Math.round(downForMs / 1000)} s down` : ''}`);
    for (const h of this.readyHandlers) {
      if (this.current?.session !== session) return;
      try {
        await h({ session, orders, again, downForMs });
      } catch (e) {
        this.o.log?.('error', `a handler after connecting to TWS failed: ${(e as Error).message}`);
      }
    }
    if (this.current?.session === session) this.started?.resolve();
  }

  /** A session that was ready closed: tell the handlers, then reconnect after the backoff. */
  private lost(session: IbkrSession, why: string): void {
    if (this.current?.session !== session) return;
    this.current = null;
    this.cancelSteady?.();
    this.cancelSteady = null;
    if (this.state === 'stopped') return;
    this.downSince = this.o.clock.now();
    this.lastError = why;
    this.state = 'reconnecting';
    this.o.log?.('warn', `${why}: reconnecting`);
    this.each(this.downHandlers, why, 'down');
    this.retryLater();
  }

  private failed(why: string): void {
    if (this.state === 'stopped') return;
    this.lastError = why;
    this.downSince ??= this.o.clock.now();
    this.retryLater();
  }

  private retryLater(): void {
    const first = this.o.backoff?.firstMs ?? 1000;
    const max = this.o.backoff?.maxMs ?? 60_000;
    const delay = Math.min(max, first * 2 ** this.attempt);
    this.attempt++;
    this.o.log?.('warn', `TWS not connected (${this.lastError}): next attempt in ${delay / 1000} s`);
    this.cancelRetry = this.o.scheduler.after(delay, () => void this.connect());
  }

  /** A failed attempt in words: IB's 326 says which client id is taken and what to do. */
  private explain(e: Error): string {
    if (e instanceof IbkrError && e.code === 326) return `client id ${this.o.clientId} is in use by another API connection (${e.message}); still retrying`;
    return e.message;
  }

  private each<T>(handlers: ((x: T) => void)[], x: T, what: string): void {
    for (const h of handlers) {
      try {
        h(x);
      } catch (e) {
        this.o.log?.('error', `a ${what} handler failed: ${(e as Error).message}`);
      }
    }
  }
}
