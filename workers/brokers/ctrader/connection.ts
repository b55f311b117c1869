import type { Clock, Timers } from '../../trading/clock.ts';
import { decodeMessage, encodeMessage, hasField, type CTraderMessage } from './codec.ts';
import { CTraderError, RATE_LIMIT_ERRORS, TOKEN_ERRORS, explainError, redact } from './errors.ts';
import { HISTORICAL, RequestQueue } from './rate-limit.ts';
import { schedulerFromTimers, type Scheduler } from './scheduler.ts';
import type { CTraderTransport } from './transport.ts';
import { HEARTBEAT_EVENT, PERMISSION_SCOPE } from './wire-types.ts';

/** Where the access token comes from: the relay's token store, or a test. Tokens never leave it for a log. */
export interface TokenProvider {
  accessToken(): Promise<string>;
  /** cTrader said the token is expired, invalid or was invalidated: return a fresh one (refresh or re-grant). */
  refresh(reason: string): Promise<string>;
}

export interface CTraderConnectionOptions {
  transport: CTraderTransport;
  clock: Clock;
  timers: Timers | Scheduler;
  /** Application credentials. Omit in the browser: then the relay tunnel authenticates the application, and the secret stays there. */
  credentials?: { clientId: string; clientSecret: string };
  tokens: TokenProvider;
  /** The ctidTraderAccountId to trade; by default the first account the token grants (of the `live` kind when given). */
  accountId?: number;
  live?: boolean;
  heartbeatMs?: number;
  /** No message at all for this long means a dead connection: it is dropped and reconnected. */
  idleTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Reconnect delays; after the last one the alert fires and retries go on at the last delay. */
  backoffMs?: readonly number[];
  /** Something the user must know: reconnects keep failing, credentials refused, maintenance. */
  onAlert?: (message: string) => void;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  limits?: { perSecond: number; historicalPerSecond: number };
}

export type ConnectionState = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'stopped';

export interface ConnectionHealth {
  state: ConnectionState;
  /** When cTrader last sent anything (heartbeats included), ms UTC. */
  lastMessageAt: number | null;
  /** Round trip of the last answered request, ms. */
  latencyMs: number | null;
}

/** A request was lost with its connection. `sent` tells whether its frame had been written. */
export class CTraderDisconnectedError extends Error {
  override readonly name = 'CTraderDisconnectedError';
  constructor(
    readonly request: string,
    readonly sent: boolean,
    reason: string,
  ) {
    super(`${request} ${sent ? 'was sent but got no answer before' : 'was not sent:'} the connection to cTrader closed (${reason})`);
  }
}

export interface RequestOptions {
  timeoutMs?: number;
  /** Orders: ahead of queued reads. */
  urgent?: boolean;
  /** Retry after a rate-limit error (reads only; an order is never re-sent). */
  retryOnRateLimit?: boolean;
  /** The frame was written to the transport (with the clientMsgId it carries). */
  onSent?: (clientMsgId: string) => void;
  /** Asked just before the frame is written: true when the caller no longer wants it sent (an order cancelled while it waited its turn). */
  withdrawn?: () => boolean;
}

/** A request its caller withdrew before it reached the wire: nothing was sent. */
export class CTraderWithdrawnError extends Error {
  override readonly name = 'CTraderWithdrawnError';
  constructor(readonly request: string) {
    super(`${request} was withdrawn before it was sent`);
  }
}

interface Pending {
  name: string;
  /** When the request reached the wire: its answer gives the round-trip latency. */
  sentAt?: number;
  resolve: (m: CTraderMessage) => void;
  reject: (e: Error) => void;
  cancelTimeout: () => void;
  retry?: () => void;
}

/**
 * A connection must stay ready this long before the reconnect backoff starts
 * over: a server that accepts and then drops at once would otherwise be
 * retried every first-step delay forever.
 */
export const HEALTHY_AFTER_MS = 60_000;

/** The session's own setup requests: the only ones sent before the account is ready. */
const SETUP = new Set(['ProtoOAApplicationAuthReq', 'ProtoOAGetAccountListByAccessTokenReq', 'ProtoOAAccountAuthReq']);

const NO_ACCOUNT = new Set(['ProtoOAApplicationAuthReq', 'ProtoOAGetAccountListByAccessTokenReq', 'ProtoOARefreshTokenReq', 'ProtoOAVersionReq', 'ProtoHeartbeatEvent']);

/**
 * One authenticated cTrader session that survives disconnects: application
 * auth, account auth, heartbeats, rate limits, reconnects with backoff, and
 * hooks that run after every (re)connect (the broker reconciles, the feed
 * resubscribes and backfills). Requests are matched to responses by clientMsgId.
 */
export class CTraderConnection {
  state: ConnectionState = 'idle';
  accountId: number | undefined;
  /** The token's permission scope: 'trade' or 'view' (known after the account list was read). */
  scope: 'trade' | 'view' | undefined;
  private readonly scheduler: Scheduler;
  private readonly queue: RequestQueue;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners: ((m: CTraderMessage) => void)[] = [];
  private readonly readyHooks: ((reconnect: boolean) => Promise<void> | void)[] = [];
  private readonly downHooks: ((reason: string) => void)[] = [];
  private msgSeq = 0;
  /** Counts transport connections: a request belongs to the one it was made on and never leaks onto the next. */
  private generation = 0;
  private failures = 0;
  private alerted = false;
  private connectedOnce = false;
  private lastInbound = 0;
  private stopHeartbeat: (() => void) | null = null;
  private stopIdleCheck: (() => void) | null = null;
  private cancelHealthy: (() => void) | null = null;
  /** The maintenance end already alerted (cTrader repeats it on every refused request). */
  private maintenanceAlerted = 0;
  private cancelReconnect: (() => void) | null = null;
  private maintenanceUntil = 0;
  private firstReady: { resolve: () => void; promise: Promise<void> };
  private token = '';
  private readonly opts: Required<Pick<CTraderConnectionOptions, 'heartbeatMs' | 'idleTimeoutMs' | 'requestTimeoutMs' | 'backoffMs'>> & CTraderConnectionOptions;
  /** Counts for tests and the status screen. */
  readonly stats = { connects: 0, frameErrors: 0, sent: 0, received: 0 };
  /** Round trip of the last answered request, ms (null before the first). */
  private latencyMs: number | null = null;

  /** What the connection status shows: state, when cTrader last sent anything, the last round trip. */
  health(): ConnectionHealth {
    return { state: this.state, lastMessageAt: this.lastInbound || null, latencyMs: this.latencyMs };
  }

  constructor(options: CTraderConnectionOptions) {
    this.opts = { heartbeatMs: 10_000, idleTimeoutMs: 45_000, requestTimeoutMs: 15_000, backoffMs: [500, 1000, 2000, 4000, 8000], ...options };
    this.accountId = options.accountId;
    this.scheduler = schedulerFromTimers(options.timers);
    this.queue = new RequestQueue(options.clock, this.scheduler, options.limits);
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.firstReady = { resolve, promise };
    options.transport.onMessage((bytes) => this.receive(bytes));
    options.transport.onClose((reason) => this.closed(reason));
  }

  /** Connects and keeps connected until stop(); resolves once the account is ready the first time. */
  start(): Promise<void> {
    if (this.state === 'idle') void this.session();
    return this.firstReady.promise;
  }

  stop(): void {
    this.state = 'stopped';
    this.cancelReconnect?.();
    this.stopHeartbeat?.();
    this.stopIdleCheck?.();
    this.cancelHealthy?.();
    this.opts.transport.close('stopped by TradeGuard');
    this.failAll('stopped');
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  /** Every inbound message (events and responses alike). */
  on(listener: (m: CTraderMessage) => void): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener) >>> 0, 1);
  }

  /** Runs after every successful (re)authentication, in registration order, before the session counts as ready for others. */
  onReady(hook: (reconnect: boolean) => Promise<void> | void): void {
    this.readyHooks.push(hook);
  }

  /** The connection dropped (requests in flight were failed first). */
  onDown(hook: (reason: string) => void): void {
    this.downHooks.push(hook);
  }

  /** Sends a request and resolves with the first message answering it (errors reject with CTraderError). */
  request(name: string, payload: Record<string, unknown> = {}, o: RequestOptions = {}): Promise<CTraderMessage> {
    const body = !NO_ACCOUNT.has(name) && this.accountId !== undefined && payload.ctidTraderAccountId === undefined && hasField(name, 'ctidTraderAccountId') ? { ctidTraderAccountId: this.accountId, ...payload } : payload;
    return new Promise<CTraderMessage>((resolve, reject) => {
      const attempt = () => {
        // Outside a ready session only the setup steps may go out: anything else would reach an unauthenticated connection.
        if (this.state !== 'ready' && !SETUP.has(name)) return reject(new CTraderDisconnectedError(name, false, `not connected (${this.state})`));
        const gen = this.generation;
        const clientMsgId = `tg${++this.msgSeq}`;
        const entry: Pending = { name, resolve, reject, cancelTimeout: () => {} };
        if (o.retryOnRateLimit) entry.retry = attempt;
        this.queue.push(HISTORICAL.has(name), () => {
          if (gen !== this.generation) return reject(new CTraderDisconnectedError(name, false, 'the connection it was made on closed'));
          if (o.withdrawn?.()) return reject(new CTraderWithdrawnError(name));
          let frame: Uint8Array;
          try {
            frame = encodeMessage(name, body, clientMsgId);
          } catch (e) {
            return reject(e as Error);
          }
          if (!this.opts.transport.send(frame)) return reject(new CTraderDisconnectedError(name, false, 'not connected'));
          this.stats.sent++;
          entry.sentAt = this.opts.clock.now();
          this.pending.set(clientMsgId, entry);
          entry.cancelTimeout = this.scheduler.after(o.timeoutMs ?? this.opts.requestTimeoutMs, () => {
            if (!this.pending.delete(clientMsgId)) return;
            reject(new Error(`${name} got no answer from cTrader within ${o.timeoutMs ?? this.opts.requestTimeoutMs} ms`));
          });
          o.onSent?.(clientMsgId);
        }, o.urgent);
      };
      attempt();
    });
  }

  private async session(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = this.connectedOnce ? 'reconnecting' : 'connecting';
    const t = this.opts.transport;
    let opened = false;
    try {
      await t.connect();
      this.generation++;
      opened = true;
      this.stats.connects++;
      this.lastInbound = this.opts.clock.now();
      this.startHeartbeat();
      if (this.opts.credentials) await this.request('ProtoOAApplicationAuthReq', { ...this.opts.credentials });
      this.token = await this.opts.tokens.accessToken();
      await this.withFreshToken(async () => {
        if (this.accountId === undefined || this.scope === undefined) await this.pickAccount();
        await this.request('ProtoOAAccountAuthReq', { ctidTraderAccountId: this.accountId, accessToken: this.token });
      });
    } catch (e) {
      const err = e as Error;
      this.log('warn', `cTrader connection attempt failed: ${err.message}`);
      if (err instanceof CTraderError) this.noteError(err, true);
      // A transport that never opened has nothing to close: the retry is scheduled here.
      if (opened) t.close(`session setup failed: ${err.message}`);
      else this.closed(`cannot connect: ${err.message}`);
      return;
    }
    if ((this.state as ConnectionState) === 'stopped') return;
    const reconnect = this.connectedOnce;
    this.connectedOnce = true;
    this.state = 'ready';
    const gen = this.generation;
    this.cancelHealthy?.();
    this.cancelHealthy = this.scheduler.after(HEALTHY_AFTER_MS, () => {
      if (gen !== this.generation || this.state !== 'ready') return;
      this.failures = 0;
      this.alerted = false;
    });
    this.log('info', `cTrader account ${this.accountId} ${reconnect ? 're' : ''}connected`);
    for (const hook of this.readyHooks) {
      try {
        await hook(reconnect);
      } catch (e) {
        this.log('error', `after-connect step failed: ${(e as Error).message}`);
      }
      if (this.state !== 'ready') return;
    }
    this.firstReady.resolve();
  }

  private async pickAccount(): Promise<void> {
    const res = await this.request('ProtoOAGetAccountListByAccessTokenReq', { accessToken: this.token });
    const accounts = (res.payload.ctidTraderAccount as { ctidTraderAccountId: number; isLive?: boolean }[] | undefined) ?? [];
    this.scope = res.payload.permissionScope === PERMISSION_SCOPE.TRADE ? 'trade' : 'view';
    if (this.accountId === undefined) {
      const pick = accounts.find((a) => this.opts.live === undefined || !!a.isLive === this.opts.live);
      if (!pick) throw new Error(`the cTrader token grants no ${this.opts.live === undefined ? '' : this.opts.live ? 'live ' : 'demo '}trading account: connect the account again and tick it on the consent page`);
      this.accountId = pick.ctidTraderAccountId;
    } else if (!accounts.some((a) => a.ctidTraderAccountId === this.accountId)) {
      throw new CTraderError('CH_CTID_TRADER_ACCOUNT_NOT_FOUND', `account ${this.accountId} is not among the ${accounts.length} accounts this token grants`);
    }
  }

  /** Runs the token-using steps; when cTrader refuses the token, refreshes it once and runs them again. */
  private async withFreshToken(steps: () => Promise<void>): Promise<void> {
    try {
      await steps();
    } catch (e) {
      if (!(e instanceof CTraderError) || !TOKEN_ERRORS.has(e.code)) throw e;
      this.log('warn', `access token refused (${e.code}): refreshing it`);
      this.token = await this.opts.tokens.refresh(e.code);
      await steps();
    }
  }

  private receive(bytes: Uint8Array): void {
    this.lastInbound = this.opts.clock.now();
    let m: CTraderMessage;
    try {
      m = decodeMessage(bytes);
    } catch (e) {
      // One bad frame must not take the session down: it is counted and reported.
      this.stats.frameErrors++;
      this.log('error', (e as Error).message);
      return;
    }
    this.stats.received++;
    if (m.payloadType === HEARTBEAT_EVENT) return;
    const p = m.clientMsgId ? this.pending.get(m.clientMsgId) : undefined;
    if (m.name === 'ProtoOAErrorRes' || m.name === 'ProtoErrorRes') {
      const err = errorOf(m);
      this.noteError(err, false);
      if (p) {
        this.pending.delete(m.clientMsgId!);
        p.cancelTimeout();
        if (p.retry && RATE_LIMIT_ERRORS.has(err.code)) {
          const delay = (err.retryAfterSec ?? 1) * 1000;
          this.queue.pauseUntil(this.opts.clock.now() + delay);
          this.log('warn', `${p.name} rate-limited by cTrader: retrying in ${delay} ms`);
          p.retry();
        } else p.reject(err);
      } else this.log('warn', `cTrader error: ${err.message}`);
    } else if (p) {
      this.pending.delete(m.clientMsgId!);
      p.cancelTimeout();
      if (p.sentAt !== undefined) this.latencyMs = this.opts.clock.now() - p.sentAt;
      p.resolve(m);
    }
    for (let i = 0; i < this.listeners.length; i++) {
      try {
        this.listeners[i](m);
      } catch (e) {
        this.log('error', `handling ${m.name} failed: ${(e as Error).message}`);
      }
    }
    if (m.name === 'ProtoOAAccountsTokenInvalidatedEvent') void this.tokenInvalidated(String(m.payload.reason ?? 'token invalidated'));
    else if (m.name === 'ProtoOAClientDisconnectEvent') this.alert(`cTrader disconnected the application: ${m.payload.reason ?? 'no reason given'}`);
    else if (m.name === 'ProtoOAAccountDisconnectEvent') this.opts.transport.close('cTrader ended the account session');
  }

  private async tokenInvalidated(reason: string): Promise<void> {
    this.log('warn', `cTrader invalidated the access token (${reason}): refreshing and re-authorising`);
    try {
      this.token = await this.opts.tokens.refresh(reason);
    } catch (e) {
      this.alert(`the cTrader access token could not be refreshed (${(e as Error).message}): connect the account again`);
    }
    this.opts.transport.close('access token invalidated');
  }

  private noteError(err: CTraderError, duringSetup: boolean): void {
    if (err.maintenanceEndMs && err.maintenanceEndMs !== this.maintenanceAlerted) {
      this.maintenanceUntil = err.maintenanceEndMs;
      this.maintenanceAlerted = err.maintenanceEndMs;
      this.alert(`cTrader is under maintenance until ${new Date(err.maintenanceEndMs).toISOString()}: reconnecting then`);
    }
    if (duringSetup && (err.code === 'CH_CLIENT_AUTH_FAILURE' || err.code === 'CH_OA_CLIENT_NOT_FOUND' || err.code === 'CH_CTID_TRADER_ACCOUNT_NOT_FOUND')) this.alert(err.message);
  }

  private closed(reason: string): void {
    this.generation++;
    this.stopHeartbeat?.();
    this.stopHeartbeat = null;
    this.stopIdleCheck?.();
    this.stopIdleCheck = null;
    this.cancelHealthy?.();
    this.failAll(reason);
    if (this.state === 'stopped') return;
    const wasReady = this.state === 'ready';
    this.state = 'reconnecting';
    if (wasReady) this.log('warn', `cTrader connection lost: ${reason}`);
    for (const h of this.downHooks) h(reason);
    const b = this.opts.backoffMs;
    let delay = b[Math.min(this.failures, b.length - 1)];
    this.failures++;
    if (this.failures > b.length && !this.alerted) {
      this.alerted = true;
      this.alert(`cannot reach or keep a connection to cTrader after ${b.length} quick retries (last: ${reason}); still retrying every ${b[b.length - 1] / 1000} s`);
    }
    const now = this.opts.clock.now();
    if (this.maintenanceUntil > now) delay = Math.max(delay, this.maintenanceUntil - now);
    this.cancelReconnect?.();
    this.cancelReconnect = this.scheduler.after(delay, () => {
      this.cancelReconnect = null;
      void this.session();
    });
  }

  private failAll(reason: string): void {
    for (const [id, p] of this.pending) {
      p.cancelTimeout();
      p.reject(new CTraderDisconnectedError(p.name, true, reason));
      this.pending.delete(id);
    }
    // Queued jobs never reached the wire: running them now makes each one find the transport closed and say so.
    for (const job of this.queue.clear()) job.run();
  }

  private startHeartbeat(): void {
    this.stopHeartbeat?.();
    this.stopIdleCheck?.();
    // Checked when the timeout is due, not at the next heartbeat: silence is noticed after idleTimeoutMs, not up to a heartbeat later.
    const idleCheck = () => {
      const idle = this.opts.clock.now() - this.lastInbound;
      if (idle >= this.opts.idleTimeoutMs) return this.opts.transport.close(`no message from cTrader for ${idle} ms`);
      this.stopIdleCheck = this.scheduler.after(this.opts.idleTimeoutMs - idle, idleCheck);
    };
    this.stopIdleCheck = this.scheduler.after(this.opts.idleTimeoutMs, idleCheck);
    const beat = () => {
      this.opts.transport.send(encodeMessage('ProtoHeartbeatEvent', {}));
      // Heartbeats get no answer; a version request does, and its round trip is the latency the status screen shows.
      if (this.state === 'ready') this.request('ProtoOAVersionReq', {}, { timeoutMs: this.opts.heartbeatMs }).catch(() => {});
      this.stopHeartbeat = this.scheduler.after(this.opts.heartbeatMs, beat);
    };
    this.stopHeartbeat = this.scheduler.after(this.opts.heartbeatMs, beat);
  }

  /** Said once, where the user looks: to onAlert when there is one (it usually logs too), else to the log. */
  private alert(message: string): void {
    if (this.opts.onAlert) this.opts.onAlert(redact(message, [this.token, this.opts.credentials?.clientSecret]));
    else this.log('error', message);
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.opts.log?.(level, redact(message, [this.token, this.opts.credentials?.clientSecret]));
  }
}

function errorOf(m: CTraderMessage): CTraderError {
  const p = m.payload as { errorCode?: string; description?: string; maintenanceEndTimestamp?: number; retryAfter?: number };
  return new CTraderError(p.errorCode ?? 'UNKNOWN_ERROR', p.description, p.retryAfter, p.maintenanceEndTimestamp ? p.maintenanceEndTimestamp * 1000 : undefined);
}

export { explainError };
