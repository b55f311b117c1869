import { eventId } from '../../trading/events.ts';
import type { CloseReason, Position, Side } from '../../trading/orders.ts';
import { agentOfCoid, type Held } from './book.ts';
import type { IbkrBroker } from './ibkr-broker.ts';
import type { OpenOrder } from './order-responses.ts';
import type { ExecutionWithCommission } from './orders.ts';

/**
 * Positions the engine's record holds open when TradeGuard starts
 * (IbkrBroker.expectOpen). IB's open orders alone would bring back only those
 * whose stop or target still works; one whose stop filled while TradeGuard
 * was down would stay open in the record forever. So before the first
 * reconcile each one is put back in the book as the record has it, and the
 * reconcile decides: its executions while away close it (the stop, the target,
 * or a close order of its agent), its working children keep it, and IB
 * holding nothing of it closes it at the last price, said in words.
 */

/** The leg of an engine close order's client order id (events.ts clientOrderId) -> why it closed. */
const CLOSE_LEG: Record<string, CloseReason> = { X: 'signal', M: 'manual', Z: 'emergency' };
/** An engine close order's client order id: a signal exit, a manual or an emergency close (never an entry, a stop or a target). */
const CLOSE_REF = /:[XMZ]\d*$/;

/** Into the broker's book, before the first reconcile: the ids put back. */
export function expectedIntoBook(b: IbkrBroker, execs: readonly ExecutionWithCommission[], open: readonly OpenOrder[]): Set<string> {
  const back = new Set<string>();
  const expected = b.expected.splice(0);
  const entries = new Set(expected.map((p) => p.id));
  for (const p of expected) {
    if (b.held.has(p.id)) continue;
    let conId: number;
    let per: number;
    try {
      conId = b.o.contracts.contract(p.symbol).conId;
      per = b.o.contracts.unitsPerContract(p.symbol);
    } catch (e) {
      b.o.log?.('warn', `position ${p.id} (${p.symbol}) that the record holds open cannot be checked at IB: ${(e as Error).message}; it stays as the record has it`);
      continue;
    }
    const held: Held = { ...pick(p), conId, quantity: p.volumeUnits / per, children: {} };
    b.held.set(p.id, held);
    back.add(p.id);
    closeOrderOf(b, held, execs, open, entries);
  }
  return back;
}

/** The engine Position fields of one the record gives (which may carry more). */
const pick = (p: Position): Position => ({ id: p.id, agentId: p.agentId, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, entryPrice: p.entryPrice, entryTime: p.entryTime, stopLoss: p.stopLoss, takeProfit: p.takeProfit, entryCommissionCents: p.entryCommissionCents });

/**
 * A close order of the position's agent that executed while away, or still
 * works at IB (same contract, the other side, not a stop or target, not an
 * entry): registered as the position's close, so the executions' replay or
 * its later fill books it through the live path, and no second close is sent.
 */
function closeOrderOf(b: IbkrBroker, p: Held, execs: readonly ExecutionWithCommission[], open: readonly OpenOrder[], entries: Set<string>): void {
  const ours = (ref: string, conId: number) => conId === p.conId && CLOSE_REF.test(ref) && !entries.has(ref) && !b.recs.has(ref) && agentOfCoid(ref) === p.agentId;
  // A close order closes the whole position: the same quantity (an agent holds one position per symbol at a time, so after its entry that names it).
  const shares = (ref: string) => execs.filter((e) => e.orderRef === ref).reduce((n, e) => n + e.shares, 0);
  const x = execs.find((e) => ours(e.orderRef, e.contract.conId) && e.side === (p.side === 1 ? 'SLD' : 'BOT') && (b.execTime(e.time) ?? Infinity) >= p.entryTime && Math.abs(shares(e.orderRef) - p.quantity) < 1e-9);
  const o = x ? undefined : open.find((w) => ours(w.orderRef, w.contract.conId) && w.action === (p.side === 1 ? 'SELL' : 'BUY') && Math.abs(w.totalQuantity - p.quantity) < 1e-9);
  const found = x ?? o;
  if (!found) return;
  const leg = /:([XMZ])\d*$/.exec(found.orderRef)![1];
  const rec = b.record(found.orderRef, 'close', p.agentId, p.symbol, (-p.side) as Side, p.quantity);
  Object.assign(rec, { positionId: p.id, reason: CLOSE_LEG[leg], state: 'accepted', orderId: found.orderId });
  p.closing = rec.coid;
  if (o) b.o.log?.('info', `close ${o.orderRef} of position ${p.id} found working at IB: taken over`);
}

/** After the children were matched: the stop and target as IB holds them, and a position left without either said in words. */
export function settleLevels(b: IbkrBroker, p: Held): void {
  const sl = p.children.sl?.confirmed ?? null;
  const tp = p.children.tp?.confirmed ?? null;
  if (sl === null && tp === null && (p.stopLoss !== null || p.takeProfit !== null)) b.o.log?.('warn', `position ${p.id} (${p.symbol}) is open at IB with no stop or target working: it is kept, unprotected`);
  b.amended(p, sl, tp, 'as IB holds them (found on restarting)');
}

/** IB holds none of it and no execution of ours closed it: booked closed at the last price (the entry's when none is known), in words. */
export function closedUnseen(b: IbkrBroker, p: Held): void {
  const mark = b.o.markPrice(p.symbol);
  const price = mark ?? p.entryPrice;
  const message = `${p.symbol} ${p.side === 1 ? 'long' : 'short'} ${p.id} of agent ${p.agentId} is no longer open at IB and no execution of TradeGuard's closed it (closed in TWS, or by IB): booked closed at ${mark === undefined ? `its entry price ${price} (no recent price known)` : `the last price ${price}`} with reason manual; check the trade in TWS`;
  b.o.log?.('warn', message);
  b.fills.closed(p, price, b.o.clock.now(), 'manual', 0);
  b.emit({ id: eventId.riskNotice('position-gone-at-broker', p.id), type: 'risk.notice', agentId: p.agentId, time: b.o.clock.now(), payload: { code: 'position-gone-at-broker', message } });
}
