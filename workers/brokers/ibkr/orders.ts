import type { Scheduler } from '../ctrader/scheduler.ts';
import { IbkrError, codeKind } from './codes.ts';
import type { IbkrSession, Notice } from './connection.ts';
import type { IbContract } from './contract.ts';
import { ACCOUNT_TAGS, bracketOrders, cancelAccountSummary, cancelOrder, placeOrder, reqAccountSummary, reqAllOpenOrders, reqExecutions, reqPositions, type Bracket, type IbOrder } from './order-requests.ts';
import type { Execution, OpenOrder, OrderContract, OrderIncoming } from './order-responses.ts';

/** What happened to an order, keyed by its orderRef (the engine's client order id; children :tp and :sl). */
export type OrderEvent =
  | { kind: 'status'; orderRef: string; orderId: number; status: string; filled: number; remaining: number; avgFillPrice: number }
  | { kind: 'fill'; orderRef: string; orderId: number; execId: string; side: string; shares: number; price: number; time: string }
  | { kind: 'commission'; orderRef: string; execId: string; commission: number; currency: string }
  | { kind: 'rejected'; orderRef: string; orderId: number; code: number; reason: string }
  /** TWS described a working order (OPEN_ORDER): after placing or modifying it, or in an open-orders list; its prices as TWS holds them. */
  | { kind: 'working'; orderRef: string; orderId: number; status: string; lmtPrice?: number; auxPrice?: number; quantity: number }
  /** The connection closed before the order reached a final state: it may have filled. Reconcile (executions, open orders); it is never sent again by this layer. */
  | { kind: 'unknown'; orderRef: string; orderId: number; acknowledged: boolean; reason: string };

export interface Position {
  account: string;
  contract: OrderContract;
  position: number;
  avgCost: number;
}

export interface AccountValue {
  account: string;
  tag: string;
  value: string;
  currency: string;
}

export interface ExecutionWithCommission extends Execution {
  commission?: number;
  commissionCurrency?: string;
}

const FINAL = new Set(['Filled', 'Cancelled', 'ApiCancelled', 'Inactive']);
/** Codes naming an order that do not reject it: 202 cancelled (a status follows), 161 and 10148 a cancel refused (the order is unchanged). */
const NOT_A_REJECTION = new Set([161, 202, 10148]);

/**
 * Orders and account over a ready IbkrSession: brackets with order ids counted
 * from NEXT_VALID_ID, cancels, and the lists TWS answers (positions, account
 * summary, executions, open orders), one list request of a kind at a time.
 * An orderRef is sent once per layer: a retry after a lost connection is the
 * reconcile's decision, never a blind re-send.
 */
export class IbkrOrders {
  private readonly handlers: ((e: OrderEvent) => void)[] = [];
  private readonly refById = new Map<number, string>();
  private readonly statusById = new Map<number, string>();
  private readonly sentRefs = new Set<string>();
  private readonly refByExec = new Map<string, string>();
  private list: { kind: 'positions' | 'openOrders' | 'summary' | 'executions'; reqId: number; rows: unknown[]; done: (rows: unknown[]) => void; fail: (e: Error) => void; stop: () => void } | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly session: IbkrSession,
    private readonly scheduler: Scheduler,
    private readonly timeoutMs = 30_000,
  ) {
    session.onOrderMessage((m) => this.onMessage(m));
    session.onNotice((n) => this.onNotice(n));
    session.onClose((why) => this.onClose(why));
  }

  onOrderEvent(h: (e: OrderEvent) => void): void {
    this.handlers.push(h);
  }

  /** Sends a bracket (parent, take profit, stop loss; a null level sends no child); refuses an orderRef already sent. */
  placeBracket(b: Bracket): { parentId: number; orderIds: number[] } {
    if (this.sentRefs.has(b.orderRef)) throw new Error(`order ${b.orderRef} was already sent to TWS: it is not sent twice (reconcile decides what happened to it)`);
    const parentId = this.session.nextOrderId();
    const orders = bracketOrders(parentId, b);
    for (let i = 1; i < orders.length; i++) this.session.nextOrderId();
    this.sentRefs.add(b.orderRef);
    for (const o of orders) {
      this.refById.set(o.orderId, o.order.orderRef);
      this.session.send(o.fields, `order ${o.order.orderRef}`);
    }
    return { parentId, orderIds: orders.map((o) => o.orderId) };
  }

  /** Sends one new order (a close at market, a stop added later); refuses an orderRef already sent. */
  placeOrder(contract: IbContract, order: IbOrder): number {
    if (this.sentRefs.has(order.orderRef)) throw new Error(`order ${order.orderRef} was already sent to TWS: it is not sent twice (reconcile decides what happened to it)`);
    const orderId = this.session.nextOrderId();
    this.sentRefs.add(order.orderRef);
    this.refById.set(orderId, order.orderRef);
    this.session.send(placeOrder(orderId, contract, order), `order ${order.orderRef}`);
    return orderId;
  }

  /**
   * Changes a working order: IB's way is PLACE_ORDER again with the same order
   * id and the whole order as it should now be (a stop moved, a target moved).
   * TWS answers with OPEN_ORDER at the new price ('working'), or an error.
   */
  modify(orderId: number, contract: IbContract, order: IbOrder): void {
    this.refById.set(orderId, order.orderRef);
    this.session.send(placeOrder(orderId, contract, { ...order, transmit: true }), `change of order ${order.orderRef}`);
  }

  cancel(orderId: number): void {
    this.session.send(cancelOrder(orderId), `cancel of order ${orderId}`);
  }

  positions(): Promise<Position[]> {
    return this.listRequest('positions', -1, reqPositions()) as Promise<Position[]>;
  }

  /** The account values by account and tag (NetLiquidation, TotalCashValue, AvailableFunds, BuyingPower...). */
  async accountSummary(tags: readonly string[] = ACCOUNT_TAGS): Promise<AccountValue[]> {
    const reqId = this.session.reserveRequestId();
    const rows = (await this.listRequest('summary', reqId, reqAccountSummary(reqId, tags))) as AccountValue[];
    // IB keeps a summary subscription updating until cancelled: one answer is what this asks for.
    this.session.send(cancelAccountSummary(reqId), 'cancel account summary');
    return rows;
  }

  /** Executions after `sinceMs` (UTC), each with its commission when TWS reported it. */
  async executions(sinceMs?: number): Promise<ExecutionWithCommission[]> {
    const reqId = this.session.reserveRequestId();
    const time = sinceMs === undefined ? undefined : new Date(sinceMs).toISOString().slice(0, 19).replaceAll('-', '').replace('T', '-');
    return (await this.listRequest('executions', reqId, reqExecutions(reqId, { time }))) as ExecutionWithCommission[];
  }

  /** Every working order at TWS, of every client. */
  openOrders(): Promise<OpenOrder[]> {
    return this.listRequest('openOrders', -1, reqAllOpenOrders()) as Promise<OpenOrder[]>;
  }

  private listRequest(kind: 'positions' | 'openOrders' | 'summary' | 'executions', reqId: number, fields: string[]): Promise<unknown[]> {
    const run = () =>
      new Promise<unknown[]>((done, fail) => {
        // Registered before sending: the answer may arrive in the same turn. A session that is not ready throws, and nothing stays registered.
        this.list = { kind, reqId, rows: [], done, fail, stop: () => {} };
        try {
          this.session.send(fields, kind);
        } catch (e) {
          this.list = null;
          return fail(e as Error);
        }
        this.list.stop = this.scheduler.after(this.timeoutMs, () => this.endList(new Error(`TWS did not finish the ${kind} list within ${this.timeoutMs / 1000} s`)));
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => {});
    return p;
  }

  private endList(e?: Error): void {
    const l = this.list;
    if (!l) return;
    this.list = null;
    l.stop();
    if (e) l.fail(e);
    else l.done(l.rows);
  }

  private emit(e: OrderEvent): void {
    for (const h of this.handlers) h(e);
  }

  private onMessage(m: OrderIncoming): void {
    const l = this.list;
    switch (m.type) {
      case 'orderStatus': {
        const orderRef = this.refById.get(m.orderId);
        this.statusById.set(m.orderId, m.status);
        if (orderRef !== undefined) this.emit({ kind: 'status', orderRef, orderId: m.orderId, status: m.status, filled: m.filled, remaining: m.remaining, avgFillPrice: m.avgFillPrice });
        return;
      }
      case 'openOrder':
        // An order of an earlier session (or of TWS itself) becomes known by its orderRef.
        if (m.order.orderRef !== '') this.refById.set(m.order.orderId, m.order.orderRef);
        this.statusById.set(m.order.orderId, m.order.status);
        if (m.order.orderRef !== '') this.emit({ kind: 'working', orderRef: m.order.orderRef, orderId: m.order.orderId, status: m.order.status, lmtPrice: m.order.lmtPrice, auxPrice: m.order.auxPrice, quantity: m.order.totalQuantity });
        if (l?.kind === 'openOrders') l.rows.push(m.order);
        return;
      case 'openOrderEnd':
        return l?.kind === 'openOrders' ? this.endList() : undefined;
      case 'execution': {
        const x = m.execution;
        this.refByExec.set(x.execId, x.orderRef);
        if (x.reqId === -1) this.emit({ kind: 'fill', orderRef: x.orderRef, orderId: x.orderId, execId: x.execId, side: x.side, shares: x.shares, price: x.price, time: x.time });
        else if (l?.kind === 'executions' && l.reqId === x.reqId) l.rows.push({ ...x });
        return;
      }
      case 'commission': {
        const row = l?.kind === 'executions' ? (l.rows as ExecutionWithCommission[]).find((r) => r.execId === m.execId) : undefined;
        if (row) Object.assign(row, { commission: m.commission, commissionCurrency: m.currency });
        else {
          const orderRef = this.refByExec.get(m.execId);
          if (orderRef !== undefined) this.emit({ kind: 'commission', orderRef, execId: m.execId, commission: m.commission, currency: m.currency });
        }
        return;
      }
      case 'executionEnd':
      case 'accountSummaryEnd':
        return l && l.reqId === m.reqId ? this.endList() : undefined;
      case 'position':
        if (l?.kind === 'positions') l.rows.push({ account: m.account, contract: m.contract, position: m.position, avgCost: m.avgCost });
        return;
      case 'positionEnd':
        return l?.kind === 'positions' ? this.endList() : undefined;
      case 'accountSummary':
        if (l?.kind === 'summary' && l.reqId === m.reqId) l.rows.push({ account: m.account, tag: m.tag, value: m.value, currency: m.currency });
    }
  }

  /** IB names the order id in its error: 201 rejected (with IB's reason), 202 cancelled. */
  private onNotice(n: Notice): void {
    if (this.list && this.list.reqId >= 0 && n.reqId === this.list.reqId && n.kind === 'request-failed') return this.endList(new IbkrError(n.code, n.ibText, n.reqId));
    const orderRef = this.refById.get(n.reqId);
    if (orderRef === undefined || codeKind(n.code) !== 'request-failed' || NOT_A_REJECTION.has(n.code)) return;
    this.statusById.set(n.reqId, 'Inactive');
    this.emit({ kind: 'rejected', orderRef, orderId: n.reqId, code: n.code, reason: n.text });
  }

  private onClose(why: string): void {
    this.endList(new Error(why));
    for (const [orderId, orderRef] of this.refById) {
      const status = this.statusById.get(orderId);
      if (status !== undefined && FINAL.has(status)) continue;
      this.emit({ kind: 'unknown', orderRef, orderId, acknowledged: status !== undefined, reason: `${why} ${status === undefined ? 'before TWS acknowledged the order' : `while the order was ${status}`}: its outcome is unknown until the executions and open orders are reconciled, and it is not sent again` });
    }
  }
}
