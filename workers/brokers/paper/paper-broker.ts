import type { Bar } from '../../market/bar.ts';
import { fromCents, roundPrice, toCents, type InstrumentSpec } from '../../market/instrument.ts';
import { eventId } from '../../trading/events.ts';
import { orderProblem } from '../../market/order-check.ts';
import type { AccountState, CloseReason, OrderIntent, Position, Side } from '../../trading/orders.ts';
import type { BarDrivenBroker, BrokerEventSink, PendingOrderView } from '../broker.ts';
import { askOf, commissionFor, marketFillPrice, type CostModel } from '../../market/costs.ts';
import { barrierExit, entryAtOpen } from '../../market/barriers.ts';

export interface PaperBrokerConfig {
  /** Starting cash in account money. */
  initialCash: number;
  /** 1 = no leverage; 30 = 1:30. Used margin = entry notional / leverage. */
  leverage: number;
  costs: CostModel;
  instrument: (symbol: string) => InstrumentSpec;
  /** The engine clock, for event times. */
  now: () => number;
}

interface SymbolMark {
  symbol: string;
  /** NaN until the symbol's first bar or quote. */
  bid: number;
  barTime: number;
}

type PendingOrder =
  | { kind: 'open'; intent: OrderIntent }
  | { kind: 'close'; clientOrderId: string; positionId: string; reason: CloseReason };

/**
 * A simulated account filled from bars. Rules (docs/PAPER-BROKER.md):
 * - an order decided at a bar's close fills at the NEXT bar's open (plus spread and slippage);
 * - stops and targets are checked on every bar, the bar an entry filled in included;
 *   when both lie inside one bar the stop wins (we cannot know which came first, so assume the worse);
 * - a bar that opens beyond a stop or target fills it at the open (gaps are not skipped over);
 * - P&L, commissions and the balance are booked in whole cents.
 */
export class PaperBroker implements BarDrivenBroker {
  readonly name = 'paper';
  private balanceCents: number;
  private readonly open = new Map<string, Position>();
  private readonly pending: PendingOrder[] = [];
  private readonly seenOrders = new Set<string>();
  /**
   * Per symbol, the last bid and bar time in a box updated in place (a number set into a Map is a
   * new heap object every bar); the box of the last symbol is kept at hand.
   */
  private readonly marks = new Map<string, SymbolMark>();
  private lastMark: SymbolMark = { symbol: '', bid: NaN, barTime: -Infinity };
  /** The open positions as a list too: scanned every bar (positionOf, equity) without an iterator. */
  private openList: Position[] = [];
  private peakEquity: number;
  private amendCount = 0;
  private markedEquity: number;

  constructor(
    private readonly cfg: PaperBrokerConfig,
    private readonly emit: BrokerEventSink,
  ) {
    this.balanceCents = toCents(cfg.initialCash);
    this.peakEquity = cfg.initialCash;
    this.markedEquity = cfg.initialCash;
  }

  /** Equity as marked at the end of the last bar (what a backtest samples each bar, without recomputing). */
  get equityAtLastBar(): number {
    return this.markedEquity;
  }

  submit(order: OrderIntent): void {
    // The same client order id twice is the same order: a retry or restart must not trade again.
    if (this.seenOrders.has(order.clientOrderId)) return;
    this.seenOrders.add(order.clientOrderId);
    const problem = this.checkIntent(order);
    if (problem) return this.reject(order.agentId, order.clientOrderId, order.symbol, problem);
    this.pending.push({ kind: 'open', intent: order });
    this.emit({
      id: eventId.order('accepted', order.clientOrderId),
      type: 'order.accepted',
      agentId: order.agentId,
      time: this.cfg.now(),
      payload: { clientOrderId: order.clientOrderId, symbol: order.symbol },
    });
  }

  closePosition(positionId: string, reason: CloseReason, clientOrderId: string): void {
    if (this.seenOrders.has(clientOrderId)) return;
    this.seenOrders.add(clientOrderId);
    const p = this.open.get(positionId);
    if (!p) return this.reject('', clientOrderId, '', `no open position ${positionId} to close`);
    if (this.closing(positionId)) return; // already closing
    this.pending.push({ kind: 'close', clientOrderId, positionId, reason });
    this.emit({
      id: eventId.order('accepted', clientOrderId),
      type: 'order.accepted',
      agentId: p.agentId,
      time: this.cfg.now(),
      payload: { clientOrderId, symbol: p.symbol },
    });
  }

  amendPosition(positionId: string, stopLoss: number | null, takeProfit: number | null, why: string): void {
    const p = this.open.get(positionId);
    if (!p) return;
    const spec = this.cfg.instrument(p.symbol);
    const sl = stopLoss === null ? null : roundPrice(spec, stopLoss);
    const tp = takeProfit === null ? null : roundPrice(spec, takeProfit);
    if (sl === p.stopLoss && tp === p.takeProfit) return;
    const time = this.cfg.now();
    this.emit({
      id: eventId.positionAmended(positionId, time, ++this.amendCount),
      type: 'position.amended',
      agentId: p.agentId,
      time,
      payload: { positionId, symbol: p.symbol, stopLoss: sl, takeProfit: tp, previousStopLoss: p.stopLoss, previousTakeProfit: p.takeProfit, why },
    });
    p.stopLoss = sl;
    p.takeProfit = tp;
  }

  positions(): readonly Position[] {
    return this.openList.slice();
  }

  /**
   * A position this book held before a restart, taken back from the record
   * (a live host's paper book): its stops and targets are checked again from
   * the next bar, and its entry order is known, so it cannot be sent twice.
   * Its entry commission was booked in the record, not again here.
   */
  adopt(p: Position): void {
    this.opened({ ...p });
    this.seenOrders.add(p.id);
  }

  positionOf(agentId: string, symbol: string): Position | undefined {
    const list = this.openList;
    for (let i = 0; i < list.length; i++) if (list[i].agentId === agentId && list[i].symbol === symbol) return list[i];
    return undefined;
  }

  hasPendingOrder(agentId: string, symbol: string): boolean {
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) {
      const o = pending[i];
      if (o.kind === 'open' ? o.intent.agentId === agentId && o.intent.symbol === symbol : this.open.get(o.positionId)?.agentId === agentId && this.open.get(o.positionId)?.symbol === symbol) return true;
    }
    return false;
  }

  /** A close of this position is in flight. */
  private closing(positionId: string): boolean {
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) {
      const o = pending[i];
      if (o.kind === 'close' && o.positionId === positionId) return true;
    }
    return false;
  }

  pendingOrders(): readonly PendingOrderView[] {
    return this.pending.map((o) =>
      o.kind === 'open'
        ? { clientOrderId: o.intent.clientOrderId, agentId: o.intent.agentId, symbol: o.intent.symbol, purpose: 'open' as const, state: 'sent' as const }
        : { clientOrderId: o.clientOrderId, agentId: this.open.get(o.positionId)?.agentId ?? '', symbol: this.open.get(o.positionId)?.symbol ?? '', purpose: 'close' as const, positionId: o.positionId, state: 'sent' as const },
    );
  }

  cancelOrder(clientOrderId: string, reason: string): void {
    const i = this.pending.findIndex((o) => (o.kind === 'open' ? o.intent.clientOrderId : o.clientOrderId) === clientOrderId);
    if (i < 0) return;
    const [o] = this.pending.splice(i, 1);
    const agentId = o.kind === 'open' ? o.intent.agentId : (this.open.get(o.positionId)?.agentId ?? '');
    const symbol = o.kind === 'open' ? o.intent.symbol : (this.open.get(o.positionId)?.symbol ?? '');
    this.emit({ id: eventId.order('cancelled', clientOrderId), type: 'order.cancelled', agentId, time: this.cfg.now(), payload: { clientOrderId, symbol, reason } });
  }

  account(): AccountState {
    const equity = this.equity();
    const usedMargin = this.usedMargin();
    return {
      balanceCents: this.balanceCents,
      equity,
      usedMargin,
      freeMargin: equity - usedMargin,
      peakEquity: this.peakEquity,
      drawdown: this.peakEquity > 0 ? Math.max(0, (this.peakEquity - equity) / this.peakEquity) : 0,
      leverage: this.cfg.leverage,
    };
  }

  hasOpenPositions(): boolean {
    return this.open.size > 0;
  }

  /** Equity alone, without building an AccountState: the backtest samples it every bar. */
  equity(): number {
    let open = 0;
    const list = this.openList;
    for (let i = 0; i < list.length; i++) open += this.openPnl(list[i]);
    return fromCents(this.balanceCents) + open;
  }

  onBar(symbol: string, bar: Bar): void {
    // A bar delivered again (a reconnecting feed, a restart) must not fill or stop anything a second time.
    const mark = this.markOf(symbol);
    if (bar.time <= mark.barTime) return;
    mark.barTime = bar.time;
    this.trade(symbol, bar);
  }

  private trade(symbol: string, bar: Bar): void {
    if (this.pending.length > 0) this.fillPendingAtOpen(symbol, bar);
    if (this.open.size > 0) this.checkStopsAndTargets(symbol, bar);
    this.markOf(symbol).bid = bar.close;
    const eq = this.open.size > 0 ? this.equity() : fromCents(this.balanceCents);
    this.markedEquity = eq;
    if (eq > this.peakEquity) this.peakEquity = eq;
  }

  /**
   * A live price (bid) at `time`: pending orders fill at it, stops and targets
   * are checked against it, and the account is marked. A quote is a bar whose
   * open, high, low and close are all that price, so live paper trading and
   * backtests share one set of fill rules (the configured spread gives the ask).
   */
  onQuote(symbol: string, time: number, bid: number): void {
    // Quotes are not bars: several may share a time, and none replaces the bar record.
    this.trade(symbol, { time, open: bid, high: bid, low: bid, close: bid, volume: 0 });
  }

  private markOf(symbol: string): SymbolMark {
    if (this.lastMark.symbol === symbol) return this.lastMark;
    let m = this.marks.get(symbol);
    if (!m) this.marks.set(symbol, (m = { symbol, bid: NaN, barTime: -Infinity }));
    return (this.lastMark = m);
  }

  private opened(p: Position): void {
    this.open.set(p.id, p);
    this.openList = [...this.open.values()];
  }

  private closed(p: Position): void {
    this.open.delete(p.id);
    this.openList = this.openList.filter((x) => x !== p);
  }

  private fillPendingAtOpen(symbol: string, bar: Bar): void {
    // Closes first, then entries, so a reversal frees its margin before the new leg needs it.
    const pending = this.pending;
    const due: PendingOrder[] = [];
    let kept = 0;
    for (let i = 0; i < pending.length; i++) {
      const o = pending[i];
      if ((o.kind === 'open' ? o.intent.symbol : this.open.get(o.positionId)?.symbol) === symbol) due.push(o);
      else pending[kept++] = o;
    }
    if (due.length === 0) return;
    pending.length = kept;
    for (let i = 0; i < due.length; i++) {
      const o = due[i];
      if (o.kind === 'close') this.fillClose(o, bar);
    }
    for (let i = 0; i < due.length; i++) {
      const o = due[i];
      if (o.kind === 'open') this.fillOpen(o.intent, bar);
    }
  }

  private fillClose(o: Extract<PendingOrder, { kind: 'close' }>, bar: Bar): void {
    const p = this.open.get(o.positionId);
    if (!p) return; // a stop or target got there first
    const spec = this.cfg.instrument(p.symbol);
    const price = roundPrice(spec, marketFillPrice(spec, this.cfg.costs, (-p.side) as Side, bar.open));
    this.emitFill(p.agentId, o.clientOrderId, p.symbol, (-p.side) as Side, p.volumeUnits, price, this.commissionCents(spec, p.volumeUnits, price));
    this.realise(p, price, bar.time, o.reason);
  }

  private fillOpen(intent: OrderIntent, bar: Bar): void {
    const spec = this.cfg.instrument(intent.symbol);
    const entry = entryAtOpen(spec, this.cfg.costs, intent.side, bar.open, intent.stopDistance, intent.targetDistance);
    const price = entry.price;
    const margin = (price * intent.volumeUnits) / this.cfg.leverage;
    const free = this.equity() - this.usedMargin();
    if (margin > free) {
      return this.reject(intent.agentId, intent.clientOrderId, intent.symbol, `not enough free margin: the order needs ${margin.toFixed(2)}, ${free.toFixed(2)} is free (leverage 1:${this.cfg.leverage})`);
    }
    const commissionCents = this.commissionCents(spec, intent.volumeUnits, price);
    this.emitFill(intent.agentId, intent.clientOrderId, intent.symbol, intent.side, intent.volumeUnits, price, commissionCents);
    this.balanceCents -= commissionCents;
    const p: Position = {
      id: intent.clientOrderId,
      agentId: intent.agentId,
      symbol: intent.symbol,
      side: intent.side,
      volumeUnits: intent.volumeUnits,
      entryPrice: price,
      entryTime: bar.time,
      stopLoss: entry.stopLoss,
      takeProfit: entry.takeProfit,
      entryCommissionCents: commissionCents,
    };
    this.opened(p);
    this.emit({
      id: eventId.positionOpened(p.id),
      type: 'position.opened',
      agentId: p.agentId,
      time: this.cfg.now(),
      payload: { positionId: p.id, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, entryPrice: price, stopLoss: p.stopLoss, takeProfit: p.takeProfit, commissionCents, entryTime: p.entryTime },
    });
  }

  private checkStopsAndTargets(symbol: string, bar: Bar): void {
    for (const p of this.openList) {
      if (p.symbol !== symbol || (p.stopLoss === null && p.takeProfit === null)) continue;
      const exit = barrierExit(this.cfg.instrument(symbol), this.cfg.costs, p.side, p.stopLoss, p.takeProfit, bar.open, bar.high, bar.low);
      if (exit) this.realise(p, exit.price, bar.time, exit.reason);
    }
  }

  /** Books a closed position: P&L and exit commission to the balance, one event. */
  private realise(p: Position, exitPrice: number, exitTime: number, reason: CloseReason): void {
    const spec = this.cfg.instrument(p.symbol);
    const exitCommissionCents = this.commissionCents(spec, p.volumeUnits, exitPrice);
    const grossPnlCents = toCents(p.side * (exitPrice - p.entryPrice) * p.volumeUnits);
    this.balanceCents += grossPnlCents - exitCommissionCents;
    this.closed(p);
    const commissionCents = p.entryCommissionCents + exitCommissionCents;
    this.emit({
      id: eventId.positionClosed(p.id),
      type: 'position.closed',
      agentId: p.agentId,
      time: this.cfg.now(),
      payload: {
        positionId: p.id,
        symbol: p.symbol,
        side: p.side,
        volumeUnits: p.volumeUnits,
        entryPrice: p.entryPrice,
        entryTime: p.entryTime,
        exitPrice,
        exitTime,
        reason,
        grossPnlCents,
        commissionCents,
        netPnlCents: grossPnlCents - commissionCents,
      },
    });
  }

  private openPnl(p: Position): number {
    // Every bar of a backtest asks this of each open position: the last symbol's mark is at hand, no lookups.
    const m = this.lastMark.symbol === p.symbol ? this.lastMark : this.marks.get(p.symbol);
    const b = m?.bid;
    const bid = b === undefined || Number.isNaN(b) ? p.entryPrice : b;
    if (p.side === 1) return (bid - p.entryPrice) * p.volumeUnits;
    return -(askOf(this.cfg.instrument(p.symbol), this.cfg.costs, bid) - p.entryPrice) * p.volumeUnits;
  }

  private usedMargin(): number {
    let m = 0;
    for (const p of this.openList) m += (p.entryPrice * p.volumeUnits) / this.cfg.leverage;
    return m;
  }

  private commissionCents(spec: InstrumentSpec, units: number, price: number): number {
    return toCents(commissionFor(spec, this.cfg.costs, units, price));
  }

  private checkIntent(o: OrderIntent): string | null {
    const problem = orderProblem(this.cfg.instrument(o.symbol), o);
    if (problem) return problem;
    if (this.positionOf(o.agentId, o.symbol) && !this.pending.some((q) => q.kind === 'close' && this.open.get(q.positionId)?.agentId === o.agentId && this.open.get(q.positionId)?.symbol === o.symbol)) {
      return `asset locked: agent ${o.agentId} already holds a ${o.symbol} position`;
    }
    return null;
  }

  private emitFill(agentId: string, clientOrderId: string, symbol: string, side: Side, volumeUnits: number, price: number, commissionCents: number): void {
    this.emit({
      id: eventId.order('filled', clientOrderId),
      type: 'order.filled',
      agentId,
      time: this.cfg.now(),
      payload: { clientOrderId, symbol, side, volumeUnits, price, commissionCents },
    });
  }

  private reject(agentId: string, clientOrderId: string, symbol: string, reason: string): void {
    this.emit({
      id: eventId.order('rejected', clientOrderId),
      type: 'order.rejected',
      agentId,
      time: this.cfg.now(),
      payload: { clientOrderId, symbol, reason },
    });
  }
}
