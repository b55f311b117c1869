import type { Clock } from '../../trading/clock.ts';
import { eventId } from '../../trading/events.ts';
import { roundPrice, toCents } from '../../market/instrument.ts';
import { orderProblem } from '../../market/order-check.ts';
import type { AccountState, CloseReason, OrderIntent, Position, Side } from '../../trading/orders.ts';
import type { Broker, BrokerEventSink, PendingOrderView } from '../broker.ts';
import type { CTraderMessage } from './codec.ts';
import { CTraderDisconnectedError, type CTraderConnection } from './connection.ts';
import { CTraderError, explainError } from './errors.ts';
import { fromWireVolume, PRICE_SCALE, toWireVolume, type SymbolCatalog } from './symbols.ts';
import { agentOfLabel, labelOf, wireClientOrderId } from './wire-ids.ts';
import * as W from './wire-types.ts';
import { closeReason, closeReasonByPrice, money } from './execution-map.ts';
import { subscriptionsOf, type MarketSubscriptions } from './subscriptions.ts';

export { money } from './execution-map.ts';

export interface CTraderBrokerOptions {
  connection: CTraderConnection;
  symbols: SymbolCatalog;
  clock: Clock;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** This side's name as a holder of spot subscriptions. */
const HOLDER = 'account';

/** The reason given when reconcile finds no trace of an order whose answer was lost. */
export const NOT_RECEIVED = 'not received by broker';

type OrderState = 'queued' | 'sent' | 'accepted' | 'unknown' | 'done';

interface OrderRec {
  coid: string;
  wireId: string;
  kind: 'open' | 'close';
  agentId: string;
  symbol: string;
  side: Side;
  state: OrderState;
  intent?: OrderIntent;
  /** For closes: the engine position being closed and why. */
  positionId?: string;
  reason?: CloseReason;
  orderId?: number;
  acceptedSent: boolean;
  /** Partial fills so far: volume in cents and price x volume, by deal id (a repeated event is counted once). */
  deals: Map<number, { volume: number; price: number; commission: number }>;
}

interface Held extends Position {
  /** Inbound message count when this side learnt of the position: a reconcile answer older than that cannot judge it. */
  seenAt: number;
  ctPositionId: number;
  volumeWire: number;
  usedMargin: number | null;
}

interface PendingAmend {
  why: string;
  stopLoss: number | null;
  takeProfit: number | null;
}

/**
 * The Broker seam over cTrader Open API. Orders are MARKET with relative
 * stop and target (prices in 1/100000); the engine's client order id travels
 * with the order and every outcome arrives as a ProtoOAExecutionEvent mapped
 * to the engine's events. An order whose answer was lost with the connection
 * is 'unknown' until reconcile settles it, and is never sent again.
 */
export class CTraderBroker implements Broker {
  readonly name = 'ctrader';
  private readonly conn: CTraderConnection;
  /** Every order by client order id, done ones included: the same id is never sent twice. */
  private readonly orders = new Map<string, OrderRec>();
  /** The orders not done: what the per-bar checks scan (orders only grows while the relay runs). */
  private readonly live = new Set<OrderRec>();
  private readonly byWireId = new Map<string, string>();
  private readonly byMsgId = new Map<string, string>();
  private readonly byOrderId = new Map<number, string>();
  /** Close order per cTrader position id (ProtoOAClosePositionReq carries no client order id). */
  private readonly closing = new Map<number, string>();
  private readonly held = new Map<string, Held>();
  private readonly byCt = new Map<number, string>();
  private readonly amends = new Map<number, PendingAmend>();
  private readonly quotes = new Map<number, { bid: number; ask: number }>();
  /** Spot subscriptions, shared with the feed: equity needs prices of every held symbol, fed or not. */
  private readonly subscriptions: MarketSubscriptions;
  private balanceCents = 0;
  private leverage = 1;
  private peakEquity = 0;
  private amendCount = 0;
  private reconciling: Promise<void> | null = null;
  /** Inbound messages seen, and the count when the last reconcile answer arrived: events and answers interleave on the wire. */
  private inbound = 0;
  private reconcileMark = 0;
  private readonly closedAt = new Map<string, number>();
  private recheck = false;
  /** Closes asked for while the connection is down, in order: sent once it is ready again and reconciled. */
  private readonly waiting: OrderRec[] = [];
  /** Orders settled by reconcile, for the status screen and tests. */
  readonly stats = { settledFilled: 0, settledNotReceived: 0, closedWhileAway: 0, foreignPositions: 0, closesResent: 0 };

  constructor(
    private readonly o: CTraderBrokerOptions,
    private readonly emit: BrokerEventSink,
  ) {
    this.conn = o.connection;
    this.subscriptions = subscriptionsOf(o.connection);
    this.conn.on((m) => this.receive(m));
    this.conn.onDown(() => this.connectionLost());
    this.conn.onReady(() => this.reconcile());
  }

  submit(order: OrderIntent): void {
    // The same client order id is one order, whatever happens: never a second send.
    if (this.orders.has(order.clientOrderId)) return;
    const rec = this.record(order.clientOrderId, 'open', order.agentId, order.symbol, order.side);
    rec.intent = order;
    const sym = this.o.symbols.get(order.symbol);
    if (!sym) return this.reject(rec, `cTrader symbol ${order.symbol} is not loaded for this account`);
    const wire = toWireVolume(sym, order.volumeUnits);
    const problem = orderProblem(sym.spec, order) ?? ('problem' in wire ? wire.problem : null);
    if (problem) return this.reject(rec, problem);
    if (this.conn.scope === 'view') return this.reject(rec, explainError('TRADING_NOT_ALLOWED', 'the access token was granted with view scope'));
    const held = this.positionOf(order.agentId, order.symbol);
    if (held && !this.closing.has(held.ctPositionId)) return this.reject(rec, `asset locked: agent ${order.agentId} already holds a ${order.symbol} position`);
    if (!this.conn.ready) return this.reject(rec, 'not connected to cTrader: the order was not sent');
    const payload: Record<string, unknown> = {
      symbolId: sym.symbolId,
      orderType: W.ORDER_TYPE.MARKET,
      tradeSide: order.side === 1 ? W.SIDE.BUY : W.SIDE.SELL,
      volume: (wire as { volume: number }).volume,
      clientOrderId: rec.wireId,
      label: labelOf(order.agentId),
      comment: order.clientOrderId,
    };
    // Distances on the symbol's price grid first, then in 1/100000 as the wire wants.
    if (order.stopDistance !== null) payload.relativeStopLoss = Math.round(roundPrice(sym.spec, order.stopDistance) * PRICE_SCALE);
    if (order.targetDistance !== null) payload.relativeTakeProfit = Math.round(roundPrice(sym.spec, order.targetDistance) * PRICE_SCALE);
    this.send(rec, 'ProtoOANewOrderReq', payload);
  }

  closePosition(positionId: string, reason: CloseReason, clientOrderId: string): void {
    if (this.orders.has(clientOrderId)) return;
    const p = this.held.get(positionId);
    const rec = this.record(clientOrderId, 'close', p?.agentId ?? '', p?.symbol ?? '', p ? ((-p.side) as Side) : 1);
    rec.positionId = positionId;
    rec.reason = reason;
    if (!p) return this.reject(rec, `no open position ${positionId} to close`);
    const already = this.closing.get(p.ctPositionId) ?? this.waiting.find((w) => w.positionId === positionId)?.coid;
    // One close per position: a second request would only be refused by cTrader (POSITION_NOT_FOUND) once the first fills.
    if (already) return this.reject(rec, `position ${positionId} is already being closed (order ${already})`);
    // A close is never refused for want of a connection (an emergency stop during a reconnect): it waits for the next one.
    if (!this.conn.ready) return this.wait(rec);
    this.sendClose(rec, p);
  }

  private sendClose(rec: OrderRec, p: Held): void {
    this.closing.set(p.ctPositionId, rec.coid);
    this.send(rec, 'ProtoOAClosePositionReq', { positionId: p.ctPositionId, volume: p.volumeWire });
  }

  private wait(rec: OrderRec): void {
    rec.state = 'queued';
    this.waiting.push(rec);
    this.o.log?.('info', `close ${rec.coid} of position ${rec.positionId} waits for the connection to cTrader: sent once it is back and reconciled`);
  }

  /**
   * The closes that waited, once the connection is back and reconciled: each
   * against the position as cTrader now has it, or dropped (order.cancelled)
   * when that position is gone or another close is already under way.
   */
  private sendWaiting(): void {
    if (!this.conn.ready) return;
    for (const rec of this.waiting.splice(0)) {
      if (rec.state === 'done') continue;
      const p = rec.positionId ? this.held.get(rec.positionId) : undefined;
      const other = p ? this.closing.get(p.ctPositionId) : undefined;
      if (!p) this.cancelled(rec, `not sent: position ${rec.positionId} is no longer open at cTrader`);
      else if (other && other !== rec.coid) this.cancelled(rec, `not sent: position ${rec.positionId} is already being closed (order ${other})`);
      else this.sendClose(rec, p);
    }
  }

  amendPosition(positionId: string, stopLoss: number | null, takeProfit: number | null, why: string): void {
    const p = this.held.get(positionId);
    if (!p) return;
    const spec = this.o.symbols.instrument(p.symbol);
    const sl = stopLoss === null ? null : roundPrice(spec, stopLoss);
    const tp = takeProfit === null ? null : roundPrice(spec, takeProfit);
    if (sl === p.stopLoss && tp === p.takeProfit) return;
    const pend = this.amends.get(p.ctPositionId);
    if (pend && pend.stopLoss === sl && pend.takeProfit === tp) return;
    if (!this.conn.ready) return this.o.log?.('warn', `stop/target change for ${positionId} not sent: not connected (the next bar tries again)`);
    this.amends.set(p.ctPositionId, { why, stopLoss: sl, takeProfit: tp });
    const payload: Record<string, unknown> = { positionId: p.ctPositionId };
    // An absent level removes it (the request states the position's whole protection).
    if (sl !== null) payload.stopLoss = sl;
    if (tp !== null) payload.takeProfit = tp;
    this.conn.request('ProtoOAAmendPositionSLTPReq', payload, { urgent: true }).catch((e: Error) => {
      this.amends.delete(p.ctPositionId);
      this.o.log?.('warn', `stop/target change for ${positionId} failed: ${e.message}`);
    });
  }

  positions(): readonly Position[] {
    return [...this.held.values()];
  }

  positionOf(agentId: string, symbol: string): Held | undefined {
    for (const p of this.held.values()) if (p.agentId === agentId && p.symbol === symbol) return p;
    return undefined;
  }

  hasPendingOrder(agentId: string, symbol: string): boolean {
    for (const r of this.live) if (r.agentId === agentId && r.symbol === symbol) return true;
    return false;
  }

  pendingOrders(): readonly PendingOrderView[] {
    const out: PendingOrderView[] = [];
    for (const r of this.live) {
      out.push({ clientOrderId: r.coid, agentId: r.agentId, symbol: r.symbol, purpose: r.kind, ...(r.positionId ? { positionId: r.positionId } : {}), state: r.state === 'queued' ? 'queued' : 'sent' });
    }
    return out;
  }

  /**
   * An order not sent yet (a close waiting for the connection, or any order
   * waiting its turn in the connection's send queue) is dropped at once with
   * 'order.cancelled'. One that cTrader has cannot be: ProtoOACancelOrderReq
   * is for pending (limit and stop) orders, and these are MARKET orders, which
   * fill or are refused within moments; the engine closes a fill that lands
   * after a stop. (Entries are not queued across a reconnect: submit refuses
   * them while disconnected, as an entry sent late is not the one decided.)
   */
  cancelOrder(clientOrderId: string, reason: string): void {
    const r = this.orders.get(clientOrderId);
    if (!r || r.state === 'done') return;
    const at = this.waiting.indexOf(r);
    if (at >= 0) this.waiting.splice(at, 1);
    if (r.state === 'queued') {
      // Still waiting: send() sees it done and never writes it.
      if (r.kind === 'close' && r.positionId) {
        const p = this.held.get(r.positionId);
        if (p && this.closing.get(p.ctPositionId) === r.coid) this.closing.delete(p.ctPositionId);
      }
      return this.cancelled(r, reason);
    }
    this.o.log?.('info', `order ${clientOrderId} cannot be cancelled at cTrader (a market order): ${reason}; a fill that lands is closed at once`);
  }

  /** Orders sent whose outcome is not known yet (lost with a connection): reconcile settles them. */
  unknownOrders(): string[] {
    return [...this.live].filter((r) => r.state === 'unknown').map((r) => r.coid);
  }

  /** The cTrader position id behind an engine position (tests, the status screen). */
  ctraderPositionId(positionId: string): number | undefined {
    return this.held.get(positionId)?.ctPositionId;
  }

  account(): AccountState {
    let open = 0;
    let margin = 0;
    for (const p of this.held.values()) {
      const sym = this.o.symbols.get(p.symbol);
      const q = sym ? this.quotes.get(sym.symbolId) : undefined;
      const exit = q ? (p.side === 1 ? q.bid : q.ask) : p.entryPrice;
      open += p.side * ((Number.isFinite(exit) ? exit : p.entryPrice) - p.entryPrice) * p.volumeUnits;
      margin += p.usedMargin ?? (p.entryPrice * p.volumeUnits) / this.leverage;
    }
    const equity = this.balanceCents / 100 + open;
    if (equity > this.peakEquity) this.peakEquity = equity;
    return {
      balanceCents: this.balanceCents,
      equity,
      usedMargin: margin,
      freeMargin: equity - margin,
      peakEquity: this.peakEquity,
      drawdown: this.peakEquity > 0 ? Math.max(0, (this.peakEquity - equity) / this.peakEquity) : 0,
      leverage: this.leverage,
    };
  }

  /**
   * Brings this side in line with the account: balance, open positions, and
   * every order whose answer was lost. Runs after each (re)connect, and when
   * an answer times out on a live connection.
   */
  reconcile(): Promise<void> {
    if (this.reconciling) {
      this.recheck = true;
      return this.reconciling;
    }
    this.reconciling = (async () => {
      do {
        this.recheck = false;
        await this.reconcileOnce();
      } while (this.recheck && this.conn.ready);
    })().finally(() => {
      this.reconciling = null;
      // Sent even when reconcile failed: a close refused for a stale position is reported, a close never sent is not.
      this.sendWaiting();
    });
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    const trader = await this.conn.request('ProtoOATraderReq', {}, { retryOnRateLimit: true });
    this.trader(trader.payload.trader as W.Trader);
    const res = await this.conn.request('ProtoOAReconcileReq', {}, { retryOnRateLimit: true });
    // Execution events that arrived after the answer (but before this code runs) are newer than it.
    const mark = this.reconcileMark;
    const wirePositions = ((res.payload.position as W.WirePosition[] | undefined) ?? []).filter((p) => p.positionStatus === undefined || p.positionStatus === W.POSITION_STATUS.OPEN);
    const wireOrders = (res.payload.order as W.WireOrder[] | undefined) ?? [];
    const symbolIds = [...new Set(wirePositions.map((p) => p.tradeData.symbolId))].filter((id) => !this.o.symbols.byIdOf(id));
    if (symbolIds.length) this.o.log?.('warn', `${symbolIds.length} open position symbol(s) not loaded: those positions are left to cTrader`);
    const present = new Set<string>();
    let foreign = 0;
    for (const wp of wirePositions) {
      const coid = wp.tradeData.comment;
      const agentId = agentOfLabel(wp.tradeData.label);
      if (!coid || agentId === null || !this.o.symbols.byIdOf(wp.tradeData.symbolId)) {
        foreign++;
        continue;
      }
      present.add(coid);
      if ((this.closedAt.get(coid) ?? -1) > mark) continue;
      const known = this.held.get(coid);
      const rec = this.orders.get(coid);
      if (known && rec?.kind === 'open' && rec.state === 'unknown' && !wireOrders.some((w) => w.clientOrderId === rec.wireId)) {
        // Partly filled when its answers were lost, and no longer working at cTrader: this open position is the
        // order's whole result. Finished here, not left to the order history (which would book it closed).
        this.stats.settledFilled++;
        this.finishOpen(rec, wp, wp.price ?? known.entryPrice);
        continue;
      }
      if (known) {
        this.watch(wp.tradeData.symbolId);
        known.volumeWire = wp.tradeData.volume;
        known.volumeUnits = fromWireVolume(wp.tradeData.volume);
        this.applyProtection(known, wp, 'changed at cTrader while disconnected');
        continue;
      }
      if (rec && rec.kind === 'open' && rec.state !== 'done') {
        // The order whose answer was lost did fill.
        this.stats.settledFilled++;
        this.finishOpen(rec, wp, wp.price ?? 0);
      } else this.adopt(coid, agentId, wp);
    }
    this.stats.foreignPositions = foreign;
    for (const [id, p] of [...this.held]) if (!present.has(id) && p.seenAt <= mark) await this.closedWhileAway(p);
    const missing: OrderRec[] = [];
    for (const rec of [...this.live]) {
      if (rec.state !== 'unknown') continue;
      if (rec.kind === 'open') {
        const pending = wireOrders.find((w) => w.clientOrderId === rec.wireId);
        if (pending) {
          rec.state = 'accepted';
          rec.orderId = pending.orderId;
          this.byOrderId.set(pending.orderId, rec.coid);
          this.accepted(rec);
        } else missing.push(rec);
      } else {
        // The position is still open (a closed one was settled above): the close never happened. It is still
        // wanted (an emergency stop must not leave the position behind): it waits and is sent after this reconcile.
        const p = rec.positionId ? this.held.get(rec.positionId) : undefined;
        if (p) this.closing.delete(p.ctPositionId);
        this.stats.settledNotReceived++;
        if (p) {
          this.stats.closesResent++;
          this.wait(rec);
        } else this.reject(rec, NOT_RECEIVED);
      }
    }
    if (missing.length) await this.settleFromHistory(missing);
  }

  /**
   * Unknown orders with no open position: the order history says whether they
   * traded (and their position has closed since) or never arrived.
   */
  private async settleFromHistory(missing: OrderRec[]): Promise<void> {
    const now = this.o.clock.now();
    const from = Math.max(Math.min(...missing.map((r) => r.intent?.decidedAt ?? now)) - 60_000, now - 604_800_000 + 60_000);
    let history: W.WireOrder[] = [];
    try {
      const res = await this.conn.request('ProtoOAOrderListReq', { fromTimestamp: from, toTimestamp: now + 60_000 }, { retryOnRateLimit: true });
      history = (res.payload.order as W.WireOrder[] | undefined) ?? [];
    } catch (e) {
      // Without the history an unknown order cannot be settled safely: it stays unknown for the next reconcile.
      this.o.log?.('warn', `order history unavailable (${(e as Error).message}): ${missing.length} order(s) stay unknown`);
      return;
    }
    for (const rec of missing) {
      if (rec.state !== 'unknown') continue;
      const o = history.find((h) => h.clientOrderId === rec.wireId);
      if (!o) {
        this.stats.settledNotReceived++;
        this.reject(rec, NOT_RECEIVED);
      } else if ((o.executedVolume ?? 0) > 0 && o.positionId !== undefined) {
        // It traded, and its position is closed already (it is not among the open ones).
        this.stats.settledFilled++;
        const sym = this.o.symbols.byIdOf(o.tradeData.symbolId);
        const dir = o.tradeData.tradeSide === W.SIDE.BUY ? 1 : -1;
        const price = o.executionPrice ?? 0;
        const level = (rel: number | undefined, sign: number) => (rel ? price + (sign * dir * rel) / PRICE_SCALE : undefined);
        const wp: W.WirePosition = { positionId: o.positionId, tradeData: { ...o.tradeData, volume: o.executedVolume! }, price, stopLoss: level(o.relativeStopLoss, -1), takeProfit: level(o.relativeTakeProfit, 1) };
        if (!sym) continue;
        this.finishOpen(rec, wp, price);
        const p = this.held.get(rec.coid);
        if (p) await this.closedWhileAway(p);
      } else {
        this.reject(rec, `refused at cTrader (found in the order history, status ${o.orderStatus})`);
      }
    }
  }

  private send(rec: OrderRec, name: string, payload: Record<string, unknown>): void {
    this.conn
      .request(name, payload, {
        urgent: true,
        withdrawn: () => rec.state === 'done',
        onSent: (msgId) => {
          if (rec.state === 'queued') rec.state = 'sent';
          this.byMsgId.set(msgId, rec.coid);
        },
      })
      .catch((e: Error) => {
        if (rec.state === 'done') return;
        if (e instanceof CTraderDisconnectedError && !e.sent) {
          if (rec.kind === 'open') return this.reject(rec, 'not sent: the connection to cTrader was lost first');
          // A close lost before it was written waits for the next connection.
          const p = rec.positionId ? this.held.get(rec.positionId) : undefined;
          if (p && this.closing.get(p.ctPositionId) === rec.coid) this.closing.delete(p.ctPositionId);
          return this.wait(rec);
        }
        if (e instanceof CTraderError) return this.reject(rec, e.message);
        // Sent, and the answer is lost: only reconcile may settle it.
        rec.state = 'unknown';
        this.o.log?.('warn', `order ${rec.coid}: outcome unknown (${e.message}); reconcile will settle it`);
        if (this.conn.ready) void this.reconcile().catch(() => {});
      });
  }

  /** Holds a held symbol's spots (the registry asks cTrader only when nobody has them yet). */
  private watch(symbolId: number): void {
    if (!this.conn.ready) return;
    if (this.subscriptions.holdIfSubscribed(HOLDER, symbolId)) return;
    void this.subscriptions.holdSpots(HOLDER, [symbolId]).then((refused) => {
      const why = refused.get(symbolId);
      if (why && this.conn.ready) this.o.log?.('warn', `no prices for held symbol ${this.o.symbols.byIdOf(symbolId)?.name ?? symbolId}: equity marks it at its entry (${why})`);
    });
  }

  private connectionLost(): void {
    for (const r of this.live) if (r.state === 'sent' || r.state === 'accepted') r.state = 'unknown';
    this.amends.clear();
  }

  private receive(m: CTraderMessage): void {
    this.inbound++;
    switch (m.name) {
      case 'ProtoOAReconcileRes':
        this.reconcileMark = this.inbound;
        return;
      case 'ProtoOAExecutionEvent':
        return this.execution(m.payload as unknown as W.ExecutionEvent, m.clientMsgId);
      case 'ProtoOAOrderErrorEvent':
        return this.orderError(m.payload as unknown as W.OrderErrorEvent, m.clientMsgId);
      case 'ProtoOASpotEvent': {
        const p = m.payload as { symbolId: number; bid?: number; ask?: number };
        const q = this.quotes.get(p.symbolId) ?? { bid: NaN, ask: NaN };
        if (p.bid !== undefined) q.bid = p.bid / PRICE_SCALE;
        if (p.ask !== undefined) q.ask = p.ask / PRICE_SCALE;
        this.quotes.set(p.symbolId, q);
        return;
      }
      case 'ProtoOATraderUpdatedEvent':
        return this.trader(m.payload.trader as W.Trader);
      case 'ProtoOATrailingSLChangedEvent': {
        const p = this.held.get(this.byCt.get(m.payload.positionId as number) ?? '');
        if (p) this.amended(p, m.payload.stopPrice as number, p.takeProfit, 'trailing stop moved by cTrader');
        return;
      }
    }
  }

  private orderFor(ev: { order?: W.WireOrder; position?: W.WirePosition }, msgId: string | undefined): OrderRec | undefined {
    const o = ev.order;
    const coid = (o?.clientOrderId && this.byWireId.get(o.clientOrderId)) || (msgId && this.byMsgId.get(msgId)) || (o && this.byOrderId.get(o.orderId)) || (o?.closingOrder && ev.position ? this.closing.get(ev.position.positionId) : undefined);
    return coid ? this.orders.get(coid) : undefined;
  }

  private execution(ev: W.ExecutionEvent, msgId: string | undefined): void {
    const t = ev.executionType;
    if (t === W.EXEC.DEPOSIT_WITHDRAW && ev.depositWithdraw) {
      this.balanceCents = money(ev.depositWithdraw.balance, ev.depositWithdraw.moneyDigits);
      return;
    }
    if (t === W.EXEC.SWAP || t === W.EXEC.BONUS_DEPOSIT_WITHDRAW) return;
    const rec = this.orderFor(ev, msgId);
    if (rec && ev.order && rec.orderId === undefined) {
      rec.orderId = ev.order.orderId;
      this.byOrderId.set(ev.order.orderId, rec.coid);
    }
    const closing = !!ev.order?.closingOrder || !!ev.deal?.closePositionDetail;
    switch (t) {
      case W.EXEC.ORDER_ACCEPTED:
        if (rec && rec.state !== 'done') {
          rec.state = 'accepted';
          this.accepted(rec);
        }
        return;
      case W.EXEC.ORDER_PARTIAL_FILL:
      case W.EXEC.ORDER_FILLED:
        if (closing) return this.closeFilled(ev, rec, t === W.EXEC.ORDER_FILLED);
        if (!rec || rec.kind !== 'open' || rec.state === 'done' || !ev.position) return;
        if (ev.deal) rec.deals.set(ev.deal.dealId, { volume: ev.deal.filledVolume, price: ev.deal.executionPrice ?? ev.position.price ?? 0, commission: Math.abs(money(ev.deal.commission ?? 0, ev.deal.moneyDigits)) });
        if (t === W.EXEC.ORDER_FILLED) this.finishOpen(rec, ev.position, ev.position.price ?? ev.deal?.executionPrice ?? 0);
        else this.trackPartial(rec, ev.position);
        return;
      case W.EXEC.ORDER_REPLACED:
        if (ev.position) {
          const p = this.held.get(this.byCt.get(ev.position.positionId) ?? '');
          if (p) this.applyProtection(p, ev.position, this.amends.get(p.ctPositionId)?.why ?? 'changed at cTrader');
          this.amends.delete(ev.position.positionId);
        }
        return;
      case W.EXEC.ORDER_REJECTED:
        if (rec && rec.state !== 'done') this.reject(rec, explainError(ev.errorCode ?? 'UNKNOWN_ERROR'));
        return;
      case W.EXEC.ORDER_CANCELLED:
      case W.EXEC.ORDER_EXPIRED:
        if (!rec || rec.state === 'done') return;
        // A market order cancelled after partial fills keeps what filled.
        if (rec.kind === 'open' && rec.deals.size > 0 && ev.position) return this.finishOpen(rec, ev.position, ev.position.price ?? 0);
        if (rec.kind === 'close' && rec.positionId) this.closing.delete(this.held.get(rec.positionId)?.ctPositionId ?? -1);
        this.reject(rec, `${t === W.EXEC.ORDER_CANCELLED ? 'cancelled' : 'expired'} at cTrader${ev.errorCode ? `: ${explainError(ev.errorCode)}` : ''}`);
        return;
    }
  }

  private orderError(ev: W.OrderErrorEvent, msgId: string | undefined): void {
    const coid = (msgId && this.byMsgId.get(msgId)) || (ev.orderId !== undefined ? this.byOrderId.get(ev.orderId) : undefined) || (ev.positionId !== undefined ? this.closing.get(ev.positionId) : undefined);
    const rec = coid ? this.orders.get(coid) : undefined;
    if (ev.positionId !== undefined && this.amends.has(ev.positionId) && !rec) {
      this.amends.delete(ev.positionId);
      this.o.log?.('warn', `stop/target change refused: ${explainError(ev.errorCode, ev.description)}`);
      return;
    }
    if (!rec || rec.state === 'done') return;
    if (rec.kind === 'close' && ev.positionId !== undefined) this.closing.delete(ev.positionId);
    this.reject(rec, explainError(ev.errorCode, ev.description));
  }

  /** A partial fill: the position exists (and locks the asset) before the order completes. */
  private trackPartial(rec: OrderRec, wp: W.WirePosition): void {
    const p = this.positionFromWire(rec.coid, rec.agentId, wp);
    this.held.set(p.id, p);
    this.byCt.set(p.ctPositionId, p.id);
  }

  /** The order is complete: one fill event (total volume, average price) and the position opened. */
  private finishOpen(rec: OrderRec, wp: W.WirePosition, price: number): void {
    this.done(rec);
    this.accepted(rec);
    const p = this.positionFromWire(rec.coid, rec.agentId, wp);
    if (price) p.entryPrice = price;
    let commission = 0;
    for (const d of rec.deals.values()) commission += d.commission;
    p.entryCommissionCents = commission;
    this.held.set(p.id, p);
    this.byCt.set(p.ctPositionId, p.id);
    this.watch(wp.tradeData.symbolId);
    const time = this.o.clock.now();
    this.emit({ id: eventId.order('filled', rec.coid), type: 'order.filled', agentId: rec.agentId, time, payload: { clientOrderId: rec.coid, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, price: p.entryPrice, commissionCents: commission } });
    this.emit({ id: eventId.positionOpened(p.id), type: 'position.opened', agentId: p.agentId, time, payload: { positionId: p.id, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, entryPrice: p.entryPrice, stopLoss: p.stopLoss, takeProfit: p.takeProfit, commissionCents: commission, entryTime: p.entryTime } });
  }

  /** A position found at cTrader that this session did not open (a restart): taken over with the same ids. */
  private adopt(coid: string, agentId: string, wp: W.WirePosition): void {
    const p = this.positionFromWire(coid, agentId, wp);
    this.held.set(p.id, p);
    this.byCt.set(p.ctPositionId, p.id);
    this.watch(wp.tradeData.symbolId);
    this.o.log?.('info', `position ${coid} found open at cTrader: taken over`);
    // Same event id as when it opened: stores that already have it keep one copy.
    this.emit({ id: eventId.positionOpened(p.id), type: 'position.opened', agentId, time: this.o.clock.now(), payload: { positionId: p.id, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, entryPrice: p.entryPrice, stopLoss: p.stopLoss, takeProfit: p.takeProfit, commissionCents: 0, entryTime: p.entryTime } });
  }

  private closeFilled(ev: W.ExecutionEvent, rec: OrderRec | undefined, full: boolean): void {
    const wp = ev.position!;
    const id = this.byCt.get(wp?.positionId ?? -1);
    const p = id ? this.held.get(id) : undefined;
    if (!p) return;
    const closed = wp.positionStatus === W.POSITION_STATUS.CLOSED || (full && (wp.tradeData?.volume ?? 0) === 0);
    if (!closed) {
      // A partial close: the position stays with less volume.
      p.volumeWire = wp.tradeData.volume;
      p.volumeUnits = fromWireVolume(wp.tradeData.volume);
      return;
    }
    const deal = ev.deal;
    const detail = deal?.closePositionDetail;
    const exitPrice = deal?.executionPrice ?? p.entryPrice;
    const reason = rec?.reason ?? closeReason(ev, p, exitPrice);
    if (rec && rec.state !== 'done') {
      this.done(rec);
      this.accepted(rec);
      this.emit({ id: eventId.order('filled', rec.coid), type: 'order.filled', agentId: p.agentId, time: this.o.clock.now(), payload: { clientOrderId: rec.coid, symbol: p.symbol, side: (-p.side) as Side, volumeUnits: p.volumeUnits, price: exitPrice, commissionCents: detail ? Math.abs(money(detail.commission, detail.moneyDigits)) : 0 } });
    }
    this.closed(p, exitPrice, deal?.executionTimestamp ?? this.o.clock.now(), reason, detail);
  }

  private closed(p: Held, exitPrice: number, exitTime: number, reason: CloseReason, detail?: W.ClosePositionDetail): void {
    this.held.delete(p.id);
    this.closedAt.set(p.id, this.inbound);
    this.byCt.delete(p.ctPositionId);
    this.closing.delete(p.ctPositionId);
    const symbolId = this.o.symbols.get(p.symbol)?.symbolId;
    if (symbolId !== undefined && !this.positions().some((x) => x.symbol === p.symbol)) this.subscriptions.release(HOLDER, symbolId);
    const gross = detail ? money(detail.grossProfit, detail.moneyDigits) : toCents(p.side * (exitPrice - p.entryPrice) * p.volumeUnits);
    const commission = p.entryCommissionCents + (detail ? Math.abs(money(detail.commission, detail.moneyDigits)) : 0);
    if (detail) this.balanceCents = money(detail.balance, detail.moneyDigits);
    this.emit({
      id: eventId.positionClosed(p.id),
      type: 'position.closed',
      agentId: p.agentId,
      time: this.o.clock.now(),
      payload: { positionId: p.id, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, entryPrice: p.entryPrice, entryTime: p.entryTime, exitPrice, exitTime, reason, grossPnlCents: gross, commissionCents: commission, netPnlCents: gross - commission },
    });
    // A close still waiting for the connection has nothing left to do.
    for (const w of this.waiting.filter((x) => x.positionId === p.id)) {
      this.waiting.splice(this.waiting.indexOf(w), 1);
      this.cancelled(w, `not sent: the position closed at cTrader first (${reason})`);
    }
  }

  /** A position this side held is gone at cTrader: find its closing deal for the price and P&L. */
  private async closedWhileAway(p: Held): Promise<void> {
    this.stats.closedWhileAway++;
    const now = this.o.clock.now();
    const from = Math.max(p.entryTime - 60_000, now - 604_800_000 + 1000);
    let deal: W.Deal | undefined;
    try {
      const res = await this.conn.request('ProtoOADealListReq', { fromTimestamp: from, toTimestamp: now + 60_000 }, { retryOnRateLimit: true });
      deal = ((res.payload.deal as W.Deal[] | undefined) ?? []).filter((d) => d.positionId === p.ctPositionId && d.closePositionDetail).pop();
    } catch (e) {
      this.o.log?.('warn', `deal history for ${p.id} unavailable: ${(e as Error).message}`);
    }
    if (!this.held.has(p.id)) return;
    const coid = this.closing.get(p.ctPositionId);
    const rec = coid ? this.orders.get(coid) : undefined;
    const exitPrice = deal?.executionPrice ?? p.entryPrice;
    const reason: CloseReason = rec?.reason ?? (deal ? closeReasonByPrice(p, exitPrice) : 'manual');
    if (rec && rec.state !== 'done') {
      this.done(rec);
      this.accepted(rec);
      this.emit({ id: eventId.order('filled', rec.coid), type: 'order.filled', agentId: p.agentId, time: now, payload: { clientOrderId: rec.coid, symbol: p.symbol, side: (-p.side) as Side, volumeUnits: p.volumeUnits, price: exitPrice, commissionCents: 0 } });
    }
    if (!deal) this.o.log?.('warn', `position ${p.id} was closed at cTrader while disconnected; its closing deal was not found, so the exit is booked at the entry price`);
    this.closed(p, exitPrice, deal?.executionTimestamp ?? now, reason, deal?.closePositionDetail);
  }

  private positionFromWire(coid: string, agentId: string, wp: W.WirePosition): Held {
    const sym = this.o.symbols.byIdOf(wp.tradeData.symbolId);
    const spec = sym?.spec;
    const px = (x: number | undefined) => (x === undefined || x === 0 ? null : spec ? roundPrice(spec, x) : x);
    return {
      id: coid,
      agentId,
      symbol: sym?.name ?? String(wp.tradeData.symbolId),
      side: wp.tradeData.tradeSide === W.SIDE.BUY ? 1 : -1,
      volumeUnits: fromWireVolume(wp.tradeData.volume),
      entryPrice: wp.price ?? 0,
      entryTime: wp.tradeData.openTimestamp ?? this.o.clock.now(),
      stopLoss: px(wp.stopLoss),
      takeProfit: px(wp.takeProfit),
      entryCommissionCents: 0,
      seenAt: this.inbound,
      ctPositionId: wp.positionId,
      volumeWire: wp.tradeData.volume,
      usedMargin: wp.usedMargin !== undefined ? money(wp.usedMargin, wp.moneyDigits) / 100 : null,
    };
  }

  private applyProtection(p: Held, wp: W.WirePosition, why: string): void {
    const spec = this.o.symbols.instrument(p.symbol);
    const sl = wp.stopLoss ? roundPrice(spec, wp.stopLoss) : null;
    const tp = wp.takeProfit ? roundPrice(spec, wp.takeProfit) : null;
    this.amended(p, sl, tp, why);
  }

  private amended(p: Held, sl: number | null, tp: number | null, why: string): void {
    if (sl === p.stopLoss && tp === p.takeProfit) return;
    const time = this.o.clock.now();
    this.emit({ id: eventId.positionAmended(p.id, time, ++this.amendCount), type: 'position.amended', agentId: p.agentId, time, payload: { positionId: p.id, symbol: p.symbol, stopLoss: sl, takeProfit: tp, previousStopLoss: p.stopLoss, previousTakeProfit: p.takeProfit, why } });
    p.stopLoss = sl;
    p.takeProfit = tp;
  }

  private trader(t: W.Trader | undefined): void {
    if (!t) return;
    this.balanceCents = money(t.balance, t.moneyDigits);
    if (t.leverageInCents) this.leverage = t.leverageInCents / 100;
    if (this.peakEquity === 0) this.peakEquity = this.balanceCents / 100;
  }

  private record(coid: string, kind: 'open' | 'close', agentId: string, symbol: string, side: Side): OrderRec {
    const rec: OrderRec = { coid, wireId: wireClientOrderId(coid), kind, agentId, symbol, side, state: 'queued', acceptedSent: false, deals: new Map() };
    this.orders.set(coid, rec);
    this.live.add(rec);
    if (kind === 'open') this.byWireId.set(rec.wireId, coid);
    return rec;
  }

  private done(rec: OrderRec): void {
    rec.state = 'done';
    this.live.delete(rec);
  }

  private accepted(rec: OrderRec): void {
    if (rec.acceptedSent) return;
    rec.acceptedSent = true;
    this.emit({ id: eventId.order('accepted', rec.coid), type: 'order.accepted', agentId: rec.agentId, time: this.o.clock.now(), payload: { clientOrderId: rec.coid, symbol: rec.symbol } });
  }

  private cancelled(rec: OrderRec, reason: string): void {
    this.done(rec);
    this.emit({ id: eventId.order('cancelled', rec.coid), type: 'order.cancelled', agentId: rec.agentId, time: this.o.clock.now(), payload: { clientOrderId: rec.coid, symbol: rec.symbol, reason } });
  }

  private reject(rec: OrderRec, reason: string): void {
    this.done(rec);
    this.emit({ id: eventId.order('rejected', rec.coid), type: 'order.rejected', agentId: rec.agentId, time: this.o.clock.now(), payload: { clientOrderId: rec.coid, symbol: rec.symbol, reason } });
  }
}
