import type { Clock } from '../../trading/clock.ts';
import type { Scheduler } from '../ctrader/scheduler.ts';
import { CLIENT_CODES, IbkrError, PORTS_HINT, codeKind, describeCode, type CodeKind } from './codes.ts';
import type { ContractDetails, IbContract } from './contract.ts';
import { cancelHistoricalData, cancelRealTimeBars, reqContractDetails, reqCurrentTime, reqHistoricalData, reqIds, reqManagedAccts, reqMarketDataType, reqRealTimeBars, startApi, type HistoryRequest, type MarketDataType, type RealTimeBarsRequest } from './requests.ts';
import { PendingRequests, type HistoryResult, type WaitType } from './pending.ts';
import { HistoryPacing } from './pacing.ts';
import { ORDER_MESSAGE_TYPES, type OrderIncoming } from './order-responses.ts';
import { decodeIncoming, type IbBar, type Incoming } from './responses.ts';
import type { IbkrTransport } from './transport.ts';
import { serverVersionProblem } from './versions.ts';
import { MessageDecoder, frame, handshakeBytes } from './wire.ts';

export interface IbkrSessionOptions {
  transport: IbkrTransport;
  clock: Clock;
  scheduler: Scheduler;
  /** TWS allows 32 API connections, each with its own client id; 0 also sees orders placed in TWS itself. */
  clientId: number;
  /** From opening the socket to ready (managed accounts and next order id), ms. */
  handshakeTimeoutMs?: number;
  requestTimeoutMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface SessionInfo {
  serverVersion: number;
  /** TWS's own text, e.g. "20240102 09:30:00 EST". */
  connectionTime: string;
  accounts: string[];
  nextValidId: number;
  /** When the session became ready, ms UTC (the injected clock). */
  readyAt: number;
}

/** Something IB said that no request is waiting for: farm news, connectivity, a failure naming another id. */
export interface Notice {
  kind: CodeKind;
  code: number;
  reqId: number;
  ibText: string;
  text: string;
}

export type { HistoryResult };

export type SessionState = 'idle' | 'handshake' | 'starting' | 'ready' | 'closed';

/**
 * One TWS API session: the handshake, startApi, ready once both the managed
 * accounts and the next valid order id arrived; then requests matched to their
 * answers by request id, IB's errors routed to the request they name, and
 * everything else surfaced as a Notice. A broken stream closes the session with
 * the reason; reconnecting is the caller's (a later slice).
 */
export class IbkrSession {
  state: SessionState = 'idle';
  info: SessionInfo | null = null;
  lastMessageAt: number | null = null;
  private readonly decoder = new MessageDecoder();
  private readonly requests: PendingRequests;
  private readonly pacing: HistoryPacing;
  private readonly noticeHandlers: ((n: Notice) => void)[] = [];
  private readonly closeHandlers: ((reason: string) => void)[] = [];
  private readonly orderHandlers: ((m: OrderIncoming) => void)[] = [];
  /** Real-time bar subscriptions: IB never acknowledges one, it sends bars or an error naming it. */
  private readonly realTime = new Map<number, { onBar: (bar: IbBar) => void; onRefused: (e: IbkrError) => void }>();
  private orderId = 0;
  private start: { version: number; time: string; accounts?: string[]; nextId?: number } | null = null;
  private connecting: { resolve: (i: SessionInfo) => void; reject: (e: Error) => void; stopTimer: () => void } | null = null;
  /** The last failure IB sent before ready (e.g. 326, client id in use): it explains the close that follows. */
  private startError: IbkrError | null = null;

  constructor(private readonly o: IbkrSessionOptions) {
    this.requests = new PendingRequests(o.scheduler, o.requestTimeoutMs ?? 60_000);
    this.pacing = new HistoryPacing(o.clock, o.scheduler);
    o.transport.onData((chunk) => this.onData(chunk));
    o.transport.onClose((reason) => this.ended(reason));
  }

  onNotice(h: (n: Notice) => void): void {
    this.noticeHandlers.push(h);
  }

  onClose(h: (reason: string) => void): void {
    this.closeHandlers.push(h);
  }

  /** Order, execution, position and account messages go to the order layer (orders.ts), which matches them itself. */
  onOrderMessage(h: (m: OrderIncoming) => void): void {
    this.orderHandlers.push(h);
  }

  /** Sends a request the order layer built; false (and a warning) when the connection is not open. */
  send(fields: string[], what: string): boolean {
    if (this.state !== 'ready') throw this.notReady(what);
    return this.write(fields, what);
  }

  /** A request id for a request answered outside this class (account summary, executions): never reused, above every order id. */
  reserveRequestId(): number {
    return this.requests.reserve();
  }

  /** Opens the socket and starts the API; resolves when ready, rejects with what failed. */
  async connect(): Promise<SessionInfo> {
    if (this.state !== 'idle') throw new Error(`the session is ${this.state}: a session connects once`);
    this.state = 'handshake';
    const done = new Promise<SessionInfo>((resolve, reject) => {
      const ms = this.o.handshakeTimeoutMs ?? 10_000;
      const stopTimer = this.o.scheduler.after(ms, () => this.close(this.state === 'handshake' ? `no answer to the API handshake within ${ms / 1000} s: is this port TWS or IB Gateway? (${PORTS_HINT})` : `TWS accepted the API connection but did not send the managed accounts and next order id within ${ms / 1000} s`));
      this.connecting = { resolve, reject, stopTimer };
    });
    // A close while the socket is still opening rejects `done` before it is returned: not an unhandled rejection.
    done.catch(() => {});
    try {
      await this.o.transport.open();
    } catch (e) {
      this.connecting?.stopTimer();
      this.connecting = null;
      this.state = 'closed';
      throw new IbkrError(CLIENT_CODES.CONNECT_FAIL, `${(e as Error).message}. ${PORTS_HINT}`);
    }
    if (this.state === 'handshake') this.o.transport.send(handshakeBytes());
    return done;
  }

  /** The next order id, counted up locally from NEXT_VALID_ID. */
  nextOrderId(): number {
    if (this.state !== 'ready') throw this.notReady('an order id');
    return this.orderId++;
  }

  /** Asks TWS for the next valid order id again (REQ_IDS). */
  async refreshNextValidId(): Promise<number> {
    const m = await this.wait('nextValidId', reqIds(1));
    return (m as { orderId: number }).orderId;
  }

  async managedAccounts(): Promise<string[]> {
    return ((await this.wait('managedAccounts', reqManagedAccts())) as { accounts: string[] }).accounts;
  }

  /** TWS's clock, epoch seconds. */
  async currentTime(): Promise<number> {
    return ((await this.wait('currentTime', reqCurrentTime())) as { epochSeconds: number }).epochSeconds;
  }

  /** Live, frozen or delayed data for the market data requests that follow. TWS does not answer it. */
  setMarketDataType(type: MarketDataType): void {
    this.write(reqMarketDataType(type), 'market data type');
  }

  /** Every contract IB matches (one for a well-named contract); IB's error 200 when none. */
  contractDetails(contract: IbContract): Promise<ContractDetails[]> {
    return new Promise((resolve, reject) => {
      if (this.state !== 'ready') return reject(this.notReady('contract details'));
      const reqId = this.requests.add((stop) => ({ kind: 'contract', rows: [], resolve, reject, stop }));
      this.write(reqContractDetails(reqId, contract), 'contract details');
    });
  }

  /** Historical bars; with keepUpToDate, `onUpdate` then gets each update until cancelHistory. */
  history(req: HistoryRequest, onUpdate?: (bar: IbBar) => void): Promise<HistoryResult> {
    return new Promise((resolve, reject) => {
      if (this.state !== 'ready') return reject(this.notReady('historical data'));
      // Paced (pacing.ts): sent now if IB's limits allow, else later; the request timeout starts when it is sent.
      const paced = this.pacing.ask(req, () => {
        const reqId = this.requests.add((stop) => ({ kind: 'history', resolve, reject, stop, onUpdate, streaming: false }));
        this.write(reqHistoricalData(reqId, req), 'historical data');
      }, (why) => reject(new Error(why)));
      if (paced.refused) reject(new Error(paced.refused));
    });
  }

  cancelHistory(reqId: number): void {
    if (this.requests.settle(reqId)) this.write(cancelHistoricalData(reqId), 'cancel historical data');
  }

  /**
   * 5-second bars until cancelRealTimeBars; the request id. `onRefused` hears
   * IB's error naming it (no subscription, no permission...), after which no
   * bar comes. Not paced with history: a handful per connection.
   */
  realTimeBars(req: RealTimeBarsRequest, onBar: (bar: IbBar) => void, onRefused: (e: IbkrError) => void): number {
    if (this.state !== 'ready') throw this.notReady('real-time bars');
    const reqId = this.requests.reserve();
    this.realTime.set(reqId, { onBar, onRefused });
    this.write(reqRealTimeBars(reqId, req), 'real-time bars');
    return reqId;
  }

  cancelRealTimeBars(reqId: number): void {
    if (this.realTime.delete(reqId) && this.state === 'ready') this.write(cancelRealTimeBars(reqId), 'cancel real-time bars');
  }

  close(reason = 'closed by TradeGuard'): void {
    if (this.state === 'closed') return;
    this.o.transport.close(reason);
    this.ended(reason);
  }

  private async wait(type: WaitType, fields: string[]): Promise<Incoming> {
    if (this.state !== 'ready') throw this.notReady(type);
    const answer = this.requests.wait(type);
    this.write(fields, type);
    return answer;
  }

  private write(fields: string[], what: string): boolean {
    const sent = this.o.transport.send(frame(fields));
    if (!sent) this.o.log?.('warn', `${what} not sent: the connection to TWS is not open`);
    return sent;
  }

  private notReady(what: string): IbkrError {
    return new IbkrError(CLIENT_CODES.NOT_CONNECTED, `${what} needs a ready session (it is ${this.state})`);
  }

  private onData(chunk: Uint8Array): void {
    const { messages, error } = this.decoder.push(chunk);
    for (const fields of messages) {
      if (this.state === 'closed') return;
      this.lastMessageAt = this.o.clock.now();
      try {
        if (this.state === 'handshake') this.onServerVersion(fields);
        else this.dispatch(decodeIncoming(fields));
      } catch (e) {
        return this.reset((e as Error).message);
      }
    }
    if (error) this.reset(error);
  }

  /** A stream that cannot be read on: logged, the connection dropped, every waiting request told why. */
  private reset(why: string): void {
    this.o.log?.('error', why);
    this.close(`connection reset: ${why}`);
  }

  private onServerVersion(fields: string[]): void {
    const version = /^\d+$/.test(fields[0] ?? '') ? Number(fields[0]) : NaN;
    const problem = serverVersionProblem(version);
    if (problem) throw new Error(problem);
    this.start = { version, time: fields[1] ?? '' };
    this.state = 'starting';
    this.write(startApi(this.o.clientId), 'startApi');
  }
  private dispatch(m: Incoming): void {
    if (m.type === 'error') return this.onError(m.id, m.code, m.message);
    if (ORDER_MESSAGE_TYPES.has(m.type)) {
      for (const h of this.orderHandlers) h(m as OrderIncoming);
      return;
    }
    if (this.state === 'starting' && this.start && (m.type === 'managedAccounts' || m.type === 'nextValidId')) {
      if (m.type === 'managedAccounts') this.start.accounts = m.accounts;
      else this.start.nextId = m.orderId;
      return this.maybeReady();
    }
    if (m.type === 'nextValidId') this.orderId = Math.max(this.orderId, m.orderId);
    if (m.type === 'nextValidId' || m.type === 'managedAccounts' || m.type === 'currentTime') {
      this.requests.answer(m.type, m);
      if (m.type === 'managedAccounts' && this.info) this.info.accounts = m.accounts;
      return;
    }
    if (m.type === 'realTimeBar') return this.realTime.get(m.reqId)?.onBar(m.bar);
    const p = 'reqId' in m ? this.requests.byId.get(m.reqId) : undefined;
    if (!p) return;
    if (m.type === 'contractDetails' && p.kind === 'contract') p.rows.push(m.details);
    else if (m.type === 'contractDetailsEnd' && p.kind === 'contract') (this.requests.settle(m.reqId) as typeof p).resolve(p.rows);
    else if (m.type === 'historicalData' && p.kind === 'history') {
      const { reqId, start, end, bars } = m;
      if (p.onUpdate) {
        p.streaming = true;
        p.stop();
      } else this.requests.settle(reqId);
      p.resolve({ reqId, start, end, bars });
    } else if (m.type === 'historicalDataUpdate' && p.kind === 'history' && p.streaming) p.onUpdate?.(m.bar);
  }

  private maybeReady(): void {
    const s = this.start;
    if (!s || s.accounts === undefined || s.nextId === undefined || !this.connecting) return;
    this.state = 'ready';
    this.orderId = s.nextId;
    this.info = { serverVersion: s.version, connectionTime: s.time, accounts: s.accounts, nextValidId: s.nextId, readyAt: this.o.clock.now() };
    const c = this.connecting;
    this.connecting = null;
    c.stopTimer();
    c.resolve(this.info);
  }

  private onError(id: number, code: number, ibText: string): void {
    const kind = codeKind(code);
    const rt = id >= 0 && kind === 'request-failed' ? this.realTime.get(id) : undefined;
    if (rt) {
      // The subscriber says what it does about it (the feed falls back to keepUpToDate alone).
      this.realTime.delete(id);
      return rt.onRefused(new IbkrError(code, ibText, id));
    }
    const p = id >= 0 ? this.requests.byId.get(id) : undefined;
    if (p && kind === 'request-failed') {
      this.requests.settle(id);
      const e = new IbkrError(code, ibText, id);
      // A stream that already delivered its bars ends here: its subscriber hears it as a notice.
      if (p.kind === 'history' && p.streaming) this.notice(kind, code, id, ibText);
      else p.reject(e);
      return;
    }
    if (this.state !== 'ready' && id < 0 && kind === 'request-failed') this.startError = new IbkrError(code, ibText);
    this.notice(kind, code, id, ibText);
  }

  private notice(kind: CodeKind, code: number, reqId: number, ibText: string): void {
    const n: Notice = { kind, code, reqId, ibText, text: describeCode(code, ibText) };
    this.o.log?.(kind === 'info' ? 'info' : 'warn', n.text);
    for (const h of this.noticeHandlers) h(n);
  }

  private ended(reason: string): void {
    if (this.state === 'closed') return;
    const was = this.state;
    this.state = 'closed';
    const why =
      was === 'handshake'
        ? `TWS closed the connection during the API handshake (${reason}): the API may be disabled, this address not a trusted IP (Configure > API > Settings), or TWS older than 10.19`
        : was === 'starting'
          ? `TWS closed the connection before the session was ready (${this.startError?.message ?? reason})`
          : `the connection to TWS closed (${reason})`;
    if (this.connecting) {
      this.connecting.stopTimer();
      this.connecting.reject(this.startError && was === 'starting' ? new IbkrError(this.startError.code, `${this.startError.ibText}; TWS then closed the connection`) : new Error(why));
      this.connecting = null;
    }
    this.requests.failAll(why);
    this.pacing.clear(why);
    // Real-time bars end with the connection; their subscribers hear it through onClose.
    this.realTime.clear();
    for (const h of this.closeHandlers) h(why);
  }
}
