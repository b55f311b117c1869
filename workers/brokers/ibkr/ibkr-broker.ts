import type { Clock } from '../../trading/clock.ts';
import { eventId } from '../../trading/events.ts';
import { roundPrice, toCents, volumeProblem, type InstrumentSpec } from '../../market/instrument.ts';
import type { AccountState, CloseReason, OrderIntent, Position, Side } from '../../trading/orders.ts';
import type { Broker, BrokerEventSink, PendingOrderView } from '../broker.ts';
import type { Scheduler } from '../ctrader/scheduler.ts';
import { IbkrAccountBook } from './account.ts';
import { childOf, noFills, totalShares, type Child, type Children, type Held, type OrderRec } from './book.ts';
import type { IbkrClient, ReadyContext } from './client.ts';
import type { IbContract } from './contract.ts';
import { exitOrder, marketOrder } from './order-requests.ts';
import type { IbkrOrders, OrderEvent } from './orders.ts';
import { reconcile, type ReconcileReport } from './reconcile.ts';
import { IbkrFills } from './fills.ts';
import type { IbkrContractBook } from './instruments.ts';
import { execTime, twsZone } from './exec-time.ts';

export type { IbkrContractBook } from './instruments.ts';

export interface IbkrBrokerOptions {
  client: IbkrClient;
  contracts: IbkrContractBook;
  /** The managed account orders go to; null: the first one TWS lists. */
  account: string | null;
  /** The last bar close of a symbol: the reference price the bracket's children are priced from before the fill. */
  markPrice: (symbol: string) => number | undefined;
  clock: Clock;
  scheduler: Scheduler;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** The reason given when reconcile finds no trace of an order whose answer was lost. */
export const NOT_RECEIVED = 'not received by IB';

const WORKING = new Set(['PendingSubmit', 'PreSubmitted', 'Submitted', 'Filled']);

/**
 * The Broker seam over Interactive Brokers (TWS API through IbkrClient). An
 * entry is a bracket: a market parent with a take-profit limit and a stop
 * child priced from the last close, moved to fill ± distance once the parent
 * fills. Stops and targets are IB orders, so they protect the position while
 * TradeGuard is away. An order is never held to send later and never sent
 * twice: one whose answer was lost with the connection is 'unknown' until the
 * reconcile after the next ready settles it from IB's executions and open orders.
 */
export class IbkrBroker implements Broker {
  readonly name = 'ibkr';
  /** @internal shared with reconcile.ts and fills.ts */
  readonly recs = new Map<string, OrderRec>();
  /** @internal */
  readonly held = new Map<string, Held>();
  /** @internal */
  readonly accountBook_ = new IbkrAccountBook();
  /** @internal */
  accountId: string | null;
  /** @internal */
  readonly fills: IbkrFills;
  lastReconcile: ReconcileReport | null = null;
  /** @internal positions the record holds open, until the next reconcile settles them (expected.ts). */
  readonly expected: Position[] = [];
  /** @internal the newest execution time seen (ms UTC): the next reconcile asks from a little before it. */
  lastExecAt: number | undefined;
  private amendCount = 0;
  /** TWS's time zone, from the latest session's connection time: execution times without a zone are in it. */
  private twsZone: string | undefined;

  constructor(
    readonly o: IbkrBrokerOptions,
    readonly emit: BrokerEventSink,
  ) {
    this.accountId = o.account;
    this.fills = new IbkrFills(this);
    o.client.onReady((ctx) => this.onReady(ctx));
    o.client.onDown(() => {
      for (const r of this.recs.values()) if (r.state === 'sent' || r.state === 'accepted') r.state = 'unknown';
    });
    o.client.onOrderEvent((e) => this.onOrderEvent(e));
  }

  /**
   * The positions the engine's record holds open, given before connecting
   * after a restart of TradeGuard: the first reconcile keeps each one IB still
   * holds (with its stop and target as IB has them), closes each one IB's
   * executions closed while away (its stop, target or a close order: reason,
   * price, time and commission from them), and closes at the last price, in
   * words, one IB holds nothing of.
   */
  expectOpen(positions: readonly Position[]): void {
    this.expected.push(...positions.filter((p) => !this.held.has(p.id) && !this.expected.some((x) => x.id === p.id)));
  }

  submit(order: OrderIntent): void {
    if (this.recs.has(order.clientOrderId)) return;
    const rec = this.record(order.clientOrderId, 'open', order.agentId, order.symbol, order.side, 0);
    rec.intent = order;
    const refused = this.entryProblem(order);
    if (typeof refused === 'string') return this.reject(rec, refused);
    const { orders, contract, spec, quantity, mark } = refused;
    rec.quantity = quantity;
    const level = (d: number | null, sign: number) => (d === null ? null : roundPrice(spec, mark + sign * order.side * d));
    const [stopLoss, takeProfit] = [level(order.stopDistance, -1), level(order.targetDistance, 1)];
    const b = { contract, action: order.side === 1 ? 'BUY' : 'SELL', quantity, takeProfit, stopLoss, tif: 'GTC', account: this.accountId ?? undefined, orderRef: rec.coid } as const;
    try {
      const { parentId, orderIds } = orders.placeBracket(b);
      rec.orderId = parentId;
      let i = 1;
      for (const [kind, price] of [['tp', takeProfit], ['sl', stopLoss]] as const) if (price !== null) rec.children[kind] = { orderId: orderIds[i++], order: exitOrder(kind, b, price, parentId, true), sent: price, confirmed: null };
    } catch (e) {
      this.reject(rec, `not sent: ${(e as Error).message}`);
    }
  }

  /** What stops an entry before anything is sent, in words; else what sending it needs. */
  private entryProblem(order: OrderIntent) {
    const orders = this.o.client.orders;
    if (!orders) return `not connected to IB (${this.o.client.health().lastError ?? this.o.client.health().state}): the order was not sent, and an IB order is never held to send later`;
    let contract: IbContract & { conId: number };
    let spec: InstrumentSpec;
    try {
      contract = this.o.contracts.contract(order.symbol);
      spec = this.o.contracts.instrument(order.symbol);
    } catch (e) {
      return (e as Error).message;
    }
    const sizeProblem = volumeProblem(spec, order.volumeUnits);
    if (sizeProblem) return sizeProblem;
    const per = this.o.contracts.unitsPerContract(order.symbol);
    const quantity = order.volumeUnits / per;
    if (Math.abs(quantity - Math.round(quantity)) > 1e-9) return `volume ${order.volumeUnits} units is not a whole number of ${order.symbol} contracts of ${per} units`;
    if (this.positionOf(order.agentId, order.symbol)) return `asset locked: agent ${order.agentId} already holds a ${order.symbol} position`;
    const mark = this.o.markPrice(order.symbol);
    if (mark === undefined || !Number.isFinite(mark)) return `no recent price for ${order.symbol}: the stop and target cannot be priced, so the order was not sent`;
    return { orders, contract, spec, quantity: Math.round(quantity), mark };
  }

  closePosition(positionId: string, reason: CloseReason, clientOrderId: string): void {
    if (this.recs.has(clientOrderId)) return;
    const p = this.held.get(positionId);
    const rec = this.record(clientOrderId, 'close', p?.agentId ?? '', p?.symbol ?? '', p ? ((-p.side) as Side) : 1, p?.quantity ?? 0);
    Object.assign(rec, { positionId, reason });
    if (!p) return this.reject(rec, `no open position ${positionId} to close`);
    if (p.closing) return this.reject(rec, `position ${positionId} is already being closed (order ${p.closing})`);
    const orders = this.o.client.orders;
    if (!orders) return this.reject(rec, `not connected to IB: the close was not sent (the position keeps its stop and target at IB)`);
    p.closing = rec.coid;
    // The children go first: a stop filling beside the close would leave a position the other way.
    const children = Object.values(p.children).filter((c): c is Child => !!c);
    rec.awaitingCancel = new Set(children.map((c) => c.orderId));
    for (const c of children) orders.cancel(c.orderId);
    if (children.length === 0) this.sendClose(rec, p);
  }

  /** @internal the close's market order, once the children are cancelled. */
  sendClose(rec: OrderRec, p: Held): void {
    rec.awaitingCancel = undefined;
    const orders = this.o.client.orders;
    if (!orders) return this.failClose(rec, p, 'not sent: the connection to IB was lost while the stop and target were being cancelled');
    try {
      rec.orderId = orders.placeOrder(this.o.contracts.contract(p.symbol), marketOrder({ action: p.side === 1 ? 'SELL' : 'BUY', quantity: p.quantity, tif: 'DAY', account: this.accountId ?? undefined, orderRef: rec.coid }));
    } catch (e) {
      this.failClose(rec, p, `not sent: ${(e as Error).message}`);
    }
  }

  /** @internal */
  failClose(rec: OrderRec, p: Held | undefined, why: string): void {
    if (p?.closing === rec.coid) p.closing = undefined;
    this.reject(rec, why);
    if (p && !p.children.sl && !p.children.tp) this.o.log?.('error', `position ${p.id} (${p.symbol}) has no stop or target at IB after a failed close: ${why}`);
  }

  amendPosition(positionId: string, stopLoss: number | null, takeProfit: number | null, why: string): void {
    const p = this.held.get(positionId);
    if (!p) return;
    const spec = this.o.contracts.instrument(p.symbol);
    const sl = stopLoss === null ? null : roundPrice(spec, stopLoss);
    const tp = takeProfit === null ? null : roundPrice(spec, takeProfit);
    const target = p.amend ?? { stopLoss: p.stopLoss, takeProfit: p.takeProfit };
    if (sl === target.stopLoss && tp === target.takeProfit) return;
    const orders = this.o.client.orders;
    if (!orders) return this.o.log?.('warn', `stop/target change for ${positionId} not sent: not connected to IB (the next bar tries again)`);
    if (p.closing) return;
    p.amend = { stopLoss: sl, takeProfit: tp, why };
    this.setChild(orders, p, 'sl', sl);
    this.setChild(orders, p, 'tp', tp);
    this.confirmAmend(p);
  }

  /** @internal Moves, removes or adds one child so it stands at `price` (null: no such order). */
  setChild(orders: IbkrOrders, p: Held, kind: 'tp' | 'sl', price: number | null): void {
    const c = p.children[kind];
    const contract = this.o.contracts.contract(p.symbol);
    if (c && price === null) return orders.cancel(c.orderId);
    if (c && price !== null && c.sent !== price) {
      c.sent = price;
      c.order = kind === 'tp' ? { ...c.order, lmtPrice: price } : { ...c.order, auxPrice: price };
      return orders.modify(c.orderId, contract, c.order);
    }
    if (!c && price !== null) {
      // A level the position had none of: a new order in the position's OCA group.
      const order = exitOrder(kind, { action: p.side === 1 ? 'BUY' : 'SELL', quantity: p.quantity, tif: 'GTC', account: this.accountId ?? undefined, orderRef: p.id }, price, undefined, true);
      try {
        p.children[kind] = { orderId: orders.placeOrder(contract, order), order, sent: price, confirmed: null };
      } catch (e) {
        this.o.log?.('warn', `${kind === 'sl' ? 'stop' : 'target'} for ${p.id} not placed: ${(e as Error).message}`);
      }
    }
  }

  /** @internal position.amended once TWS shows every child at the asked levels (an order removed: cancelled). */
  confirmAmend(p: Held): void {
    const a = p.amend;
    if (!a) return;
    const at = (c: Child | undefined, want: number | null) => (want === null ? c === undefined : c?.confirmed === want);
    if (!at(p.children.sl, a.stopLoss) || !at(p.children.tp, a.takeProfit)) return;
    p.amend = undefined;
    this.amended(p, a.stopLoss, a.takeProfit, a.why);
  }

  /** @internal */
  amended(p: Held, sl: number | null, tp: number | null, why: string): void {
    if (sl === p.stopLoss && tp === p.takeProfit) return;
    const time = this.o.clock.now();
    this.emit({ id: eventId.positionAmended(p.id, time, ++this.amendCount), type: 'position.amended', agentId: p.agentId, time, payload: { positionId: p.id, symbol: p.symbol, stopLoss: sl, takeProfit: tp, previousStopLoss: p.stopLoss, previousTakeProfit: p.takeProfit, why } });
    p.stopLoss = sl;
    p.takeProfit = tp;
  }

  positions(): readonly Position[] {
    return [...this.held.values()];
  }

  positionOf(agentId: string, symbol: string): Held | undefined {
    for (const p of this.held.values()) if (p.agentId === agentId && p.symbol === symbol) return p;
    return undefined;
  }

  hasPendingOrder(agentId: string, symbol: string): boolean {
    for (const r of this.recs.values()) if (r.state !== 'done' && r.agentId === agentId && r.symbol === symbol) return true;
    return false;
  }

  pendingOrders(): readonly PendingOrderView[] {
    return [...this.recs.values()].filter((r) => r.state !== 'done').map((r) => ({ clientOrderId: r.coid, agentId: r.agentId, symbol: r.symbol, purpose: r.kind, ...(r.positionId ? { positionId: r.positionId } : {}), state: 'sent' as const }));
  }

  /** Cancels an entry that has not filled (its children go with it at IB); IB's status confirms it as order.cancelled. */
  cancelOrder(clientOrderId: string, reason: string): void {
    const r = this.recs.get(clientOrderId);
    if (!r || r.state === 'done') return;
    r.cancelReason = reason;
    if (r.awaitingCancel) return this.o.log?.('info', `close ${clientOrderId} is under way (its stop and target are being cancelled): it goes on`);
    const orders = this.o.client.orders;
    if (r.orderId === undefined || !orders) return this.o.log?.('warn', `order ${clientOrderId} cannot be cancelled now (not connected to IB): the reconcile after reconnecting settles it`);
    orders.cancel(r.orderId);
  }

  /** Orders sent whose outcome is not known yet (lost with a connection): the reconcile settles them. */
  unknownOrders(): string[] {
    return [...this.recs.values()].filter((r) => r.state === 'unknown').map((r) => r.coid);
  }

  account(): AccountState {
    return this.accountBook_.state(this.positions(), this.o.markPrice);
  }

  /** @internal an execution time in ms UTC (in TWS's zone when it names none); undefined when it cannot be read. */
  execTime(s: string): number | undefined {
    const connected = this.o.client.session?.info?.connectionTime;
    if (connected) this.twsZone = twsZone(connected) ?? this.twsZone;
    return execTime(s, this.twsZone);
  }

  /** One line for the status screen. */
  status(): string {
    const h = this.o.client.health();
    const pending = this.pendingOrders().length;
    const unknown = this.unknownOrders().length;
    const book = `${this.held.size} position${this.held.size === 1 ? '' : 's'}, ${pending} order${pending === 1 ? '' : 's'} in flight${unknown ? ` (${unknown} unknown until reconciled)` : ''}`;
    if (h.state === 'ready') return `IB connected (account ${this.accountId ?? '?'}, server ${h.serverVersion}): ${book}`;
    return `IB ${h.state}${h.downSince !== null ? ` since ${new Date(h.downSince).toISOString().slice(11, 19)} UTC` : ''}${h.lastError ? ` (${h.lastError})` : ''}: ${book}`;
  }

  private async onReady(ctx: ReadyContext): Promise<void> {
    this.accountId ??= ctx.session.info?.accounts[0] ?? null;
    this.lastReconcile = await reconcile(this, ctx);
  }

  /** @internal the account summary again (after a ready or a fill); a failure keeps the last values. */
  async refreshAccount(orders: IbkrOrders | null = this.o.client.orders): Promise<void> {
    if (!orders || !this.accountId) return;
    try {
      const rows = await orders.accountSummary();
      const marks = new Map<string, number>();
      for (const p of this.held.values()) {
        const m = this.o.markPrice(p.symbol);
        if (m !== undefined) marks.set(p.symbol, m);
      }
      this.accountBook_.update(rows, this.accountId, marks, this.o.clock.now());
    } catch (e) {
      this.o.log?.('warn', `IB account summary not refreshed: ${(e as Error).message}`);
    }
  }

  private onOrderEvent(e: OrderEvent): void {
    const child = childOf(e.orderRef);
    if (child) return this.fills.onChildEvent(e, child.coid, child.kind);
    const r = this.recs.get(e.orderRef);
    if (!r) return;
    switch (e.kind) {
      case 'status':
        if (r.state === 'done') return;
        if (r.orderId === undefined) r.orderId = e.orderId;
        if (WORKING.has(e.status)) {
          if (r.state !== 'unknown') r.state = 'accepted';
          this.accepted(r);
        } else if ((e.status === 'Cancelled' || e.status === 'ApiCancelled') && totalShares(r.fills) === 0) this.cancelled(r, r.cancelReason ?? 'cancelled at IB');
        return;
      case 'fill':
        return this.fills.onFill(r, e.execId, e.shares, e.price, e.time);
      case 'commission':
        return this.fills.onCommission(r.fills, e.execId, e.commission, () => this.fills.maybeComplete(r));
      case 'rejected':
        if (r.state === 'done') return;
        if (r.kind === 'close') return this.failClose(r, r.positionId ? this.held.get(r.positionId) : undefined, e.reason);
        return this.reject(r, e.reason);
      case 'unknown':
        if (r.state !== 'done') r.state = 'unknown';
        return;
    }
  }

  /** @internal */
  record(coid: string, kind: 'open' | 'close', agentId: string, symbol: string, side: Side, quantity: number): OrderRec {
    const rec: OrderRec = { coid, kind, agentId, symbol, side, state: 'sent', quantity, acceptedSent: false, children: {} as Children, fills: noFills() };
    this.recs.set(coid, rec);
    return rec;
  }

  /** @internal */
  accepted(rec: OrderRec): void {
    if (rec.acceptedSent) return;
    rec.acceptedSent = true;
    this.emit({ id: eventId.order('accepted', rec.coid), type: 'order.accepted', agentId: rec.agentId, time: this.o.clock.now(), payload: { clientOrderId: rec.coid, symbol: rec.symbol } });
  }

  /** @internal */
  cancelled(rec: OrderRec, reason: string): void {
    rec.state = 'done';
    this.emit({ id: eventId.order('cancelled', rec.coid), type: 'order.cancelled', agentId: rec.agentId, time: this.o.clock.now(), payload: { clientOrderId: rec.coid, symbol: rec.symbol, reason } });
  }

  /** @internal */
  reject(rec: OrderRec, reason: string): void {
    rec.state = 'done';
    this.emit({ id: eventId.order('rejected', rec.coid), type: 'order.rejected', agentId: rec.agentId, time: this.o.clock.now(), payload: { clientOrderId: rec.coid, symbol: rec.symbol, reason } });
  }

  /** @internal gross P&L of a position closed at `exit`, cents. */
  grossCents(p: Held, exit: number): number {
    return toCents(p.side * (exit - p.entryPrice) * p.volumeUnits);
  }
}
