import { roundPrice, toCents } from '../../market/instrument.ts';
import { eventId } from '../../trading/events.ts';
import type { CloseReason, Side } from '../../trading/orders.ts';
import { averagePrice, commissionCents, commissionsKnown, lastTime, noFills, totalShares, type Fills, type Held, type OrderRec } from './book.ts';
import type { IbkrBroker } from './ibkr-broker.ts';
import type { OrderEvent } from './orders.ts';

/** How long a complete fill waits for its commission report before it is booked without it. */
const COMMISSION_WAIT_MS = 5000;

/**
 * Executions into the engine's events, the same whether they arrive live or
 * from the executions list after a reconnect (each execId counts once, and the
 * event ids come from the client order ids): an entry's fill opens the
 * position and moves its children to fill ± distance; a stop or target child
 * filling closes it with reason 'stop' or 'target'; a close's market order
 * closes it with the reason the engine gave.
 */
export class IbkrFills {
  /** Stops and targets filled whose commission reports are awaited: the wait's cancel, by position id. */
  private readonly exitWaits = new Map<string, () => void>();

  constructor(private readonly b: IbkrBroker) {}

  /** An execution of an entry or close order. */
  onFill(r: OrderRec, execId: string, shares: number, price: number, time: string): void {
    if (r.fills.byExec.has(execId)) return;
    r.fills.byExec.set(execId, { shares, price, time: this.b.execTime(time) ?? this.b.o.clock.now() });
    this.maybeComplete(r);
  }

  onCommission(f: Fills, execId: string, commission: number, then: () => void): void {
    if (!f.byExec.has(execId) || f.commissionCents.has(execId)) return;
    f.commissionCents.set(execId, toCents(Math.abs(commission)));
    then();
  }

  /** Booked once the whole quantity filled and each execution's commission is known (or after a wait). */
  maybeComplete(r: OrderRec): void {
    if (r.state === 'done' || r.quantity <= 0 || totalShares(r.fills) < r.quantity - 1e-9) return;
    if (!commissionsKnown(r.fills) && !r.stopWait) {
      r.stopWait = this.b.o.scheduler.after(COMMISSION_WAIT_MS, () => this.complete(r));
      return;
    }
    if (commissionsKnown(r.fills)) this.complete(r);
  }

  private complete(r: OrderRec): void {
    if (r.state === 'done') return;
    r.stopWait?.();
    if (!commissionsKnown(r.fills)) this.b.o.log?.('warn', `order ${r.coid}: IB sent no commission report within ${COMMISSION_WAIT_MS / 1000} s; booked without it`);
    r.state = 'done';
    this.b.accepted(r);
    const price = averagePrice(r.fills);
    const commission = commissionCents(r.fills);
    const time = this.b.o.clock.now();
    const volumeUnits = r.quantity * this.b.o.contracts.unitsPerContract(r.symbol);
    this.b.emit({ id: eventId.order('filled', r.coid), type: 'order.filled', agentId: r.agentId, time, payload: { clientOrderId: r.coid, symbol: r.symbol, side: r.side, volumeUnits, price, commissionCents: commission } });
    if (r.kind === 'open') this.opened(r, price, commission, volumeUnits);
    else {
      const p = r.positionId ? this.b.held.get(r.positionId) : undefined;
      if (p) this.closed(p, price, lastTime(r.fills, time), r.reason ?? 'manual', commission);
    }
  }

  /** The entry filled: the position at the fill price, its stop and target moved to fill ± distance. */
  private opened(r: OrderRec, price: number, commission: number, volumeUnits: number): void {
    const spec = this.b.o.contracts.instrument(r.symbol);
    // Distances from the engine's intent; an entry taken over after a restart has none: its children stay where IB holds them.
    const level = (kind: 'tp' | 'sl', d: number | null | undefined, sign: number) => (!r.intent ? (r.children[kind]?.sent ?? null) : d === null || d === undefined ? null : roundPrice(spec, price + sign * r.side * d));
    const p: Held = {
      id: r.coid,
      agentId: r.agentId,
      symbol: r.symbol,
      side: r.side,
      volumeUnits,
      entryPrice: price,
      entryTime: lastTime(r.fills, this.b.o.clock.now()),
      stopLoss: level('sl', r.intent?.stopDistance, -1),
      takeProfit: level('tp', r.intent?.targetDistance, 1),
      entryCommissionCents: commission,
      conId: this.b.o.contracts.contract(r.symbol).conId,
      quantity: r.quantity,
      children: r.children,
    };
    this.b.held.set(p.id, p);
    this.b.emit({ id: eventId.positionOpened(p.id), type: 'position.opened', agentId: p.agentId, time: this.b.o.clock.now(), payload: { positionId: p.id, symbol: p.symbol, side: p.side, volumeUnits, entryPrice: price, stopLoss: p.stopLoss, takeProfit: p.takeProfit, commissionCents: commission, entryTime: p.entryTime } });
    const orders = this.b.o.client.orders;
    if (orders) {
      this.b.setChild(orders, p, 'sl', p.children.sl ? p.stopLoss : null);
      this.b.setChild(orders, p, 'tp', p.children.tp ? p.takeProfit : null);
    }
    void this.b.refreshAccount();
  }

  /** A stop or target child's order event. */
  onChildEvent(e: OrderEvent, coid: string, kind: 'tp' | 'sl'): void {
    const p = this.b.held.get(coid);
    const c = p ? p.children[kind] : this.b.recs.get(coid)?.children[kind];
    if (e.kind === 'working') {
      const price = kind === 'tp' ? e.lmtPrice : e.auxPrice;
      if (!c || c.orderId !== e.orderId || price === undefined || !['PreSubmitted', 'Submitted', 'PendingSubmit'].includes(e.status)) return;
      if (price === c.sent) c.confirmed = price;
      else if (c.sent === c.confirmed && p) {
        // Nothing of ours in flight: the order was changed in TWS itself.
        c.sent = c.confirmed = price;
        c.order = kind === 'tp' ? { ...c.order, lmtPrice: price } : { ...c.order, auxPrice: price };
        this.b.amended(p, kind === 'sl' ? price : p.stopLoss, kind === 'tp' ? price : p.takeProfit, 'changed in TWS');
      }
      if (p) this.b.confirmAmend(p);
      return;
    }
    if (!p) return;
    if (e.kind === 'status' && (e.status === 'Cancelled' || e.status === 'ApiCancelled') && c?.orderId === e.orderId) return this.childGone(p, kind, 'cancelled at IB');
    if (e.kind === 'fill') {
      p.exit ??= { kind, fills: noFills() };
      if (p.exit.kind !== kind || p.exit.fills.byExec.has(e.execId)) return;
      p.exit.fills.byExec.set(e.execId, { shares: e.shares, price: e.price, time: this.b.execTime(e.time) ?? this.b.o.clock.now() });
      return this.exitMaybeDone(p);
    }
    if (e.kind === 'commission' && p.exit) return this.onCommission(p.exit.fills, e.execId, e.commission, () => this.exitMaybeDone(p));
    if (e.kind === 'rejected' && c) {
      this.b.o.log?.('warn', `IB refused the ${kind === 'sl' ? 'stop' : 'target'} of ${p.id}: ${e.reason}`);
      if (c.confirmed === null) return this.childGone(p, kind, `IB refused it: ${e.reason}`);
      c.sent = c.confirmed;
      p.amend = undefined;
      this.b.amended(p, p.children.sl?.confirmed ?? null, p.children.tp?.confirmed ?? null, `IB refused the change: ${e.reason}`);
    }
  }

  /** A child is no longer working: for a close under way, one fewer to wait for; else the position lost that level. */
  private childGone(p: Held, kind: 'tp' | 'sl', why: string): void {
    delete p.children[kind];
    if (p.exit) return;
    const close = p.closing ? this.b.recs.get(p.closing) : undefined;
    if (close?.awaitingCancel) {
      for (const id of [...close.awaitingCancel]) if (!Object.values(p.children).some((c) => c?.orderId === id)) close.awaitingCancel.delete(id);
      if (close.awaitingCancel.size === 0 && close.state !== 'done') this.b.sendClose(close, p);
      return;
    }
    if (p.amend) return this.b.confirmAmend(p);
    this.b.amended(p, kind === 'sl' ? null : p.stopLoss, kind === 'tp' ? null : p.takeProfit, why);
  }

  /** A stop or target filled whole: closed once its commissions are known, or after the same wait as an entry's (booked without them, said so). */
  private exitMaybeDone(p: Held): void {
    const x = p.exit;
    if (!x || !this.b.held.has(p.id) || totalShares(x.fills) < p.quantity - 1e-9) return;
    if (commissionsKnown(x.fills)) return this.exitDone(p);
    if (!this.exitWaits.has(p.id)) this.exitWaits.set(p.id, this.b.o.scheduler.after(COMMISSION_WAIT_MS, () => this.exitDone(p)));
  }

  private exitDone(p: Held): void {
    this.exitWaits.get(p.id)?.();
    this.exitWaits.delete(p.id);
    const x = p.exit;
    if (!x || !this.b.held.has(p.id)) return;
    if (!commissionsKnown(x.fills)) this.b.o.log?.('warn', `${x.kind === 'sl' ? 'stop' : 'target'} of ${p.id}: IB sent no commission report within ${COMMISSION_WAIT_MS / 1000} s; booked without it`);
    this.closed(p, averagePrice(x.fills), lastTime(x.fills, this.b.o.clock.now()), x.kind === 'sl' ? 'stop' : 'target', commissionCents(x.fills));
  }

  /** @internal the position is gone at IB: position.closed with the trade's P&L, a close still waiting is dropped. */
  closed(p: Held, exitPrice: number, exitTime: number, reason: CloseReason, exitCommissionCents: number): void {
    if (!this.b.held.delete(p.id)) return;
    const gross = this.b.grossCents(p, exitPrice);
    const commission = p.entryCommissionCents + exitCommissionCents;
    this.b.emit({
      id: eventId.positionClosed(p.id),
      type: 'position.closed',
      agentId: p.agentId,
      time: this.b.o.clock.now(),
      payload: { positionId: p.id, symbol: p.symbol, side: p.side as Side, volumeUnits: p.volumeUnits, entryPrice: p.entryPrice, entryTime: p.entryTime, exitPrice, exitTime, reason, grossPnlCents: gross, commissionCents: commission, netPnlCents: gross - commission },
    });
    const close = p.closing ? this.b.recs.get(p.closing) : undefined;
    if (close && close.state !== 'done' && close.orderId === undefined) this.b.cancelled(close, `not sent: the position closed at IB first (${reason})`);
    void this.b.refreshAccount();
  }
}
