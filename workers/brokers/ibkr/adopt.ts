import { toCents } from '../../market/instrument.ts';
import { eventId } from '../../trading/events.ts';
import type { Side } from '../../trading/orders.ts';
import { agentOfCoid, childOf, type Child, type Held } from './book.ts';
import type { IbkrBroker } from './ibkr-broker.ts';
import type { IbOrder } from './order-requests.ts';
import type { OpenOrder } from './order-responses.ts';
import type { ExecutionWithCommission, Position as IbPosition } from './orders.ts';
import type { ReconcileReport } from './reconcile.ts';

/**
 * What a reconcile takes over from IB that this broker did not know (after a
 * restart of TradeGuard): entries still working, positions found by their
 * working stop or target, and entries that filled while away with neither.
 */

export const priceOf = (o: OpenOrder, kind: 'tp' | 'sl') => (kind === 'tp' ? o.lmtPrice : o.auxPrice) ?? null;

export function childFrom(o: OpenOrder, kind: 'tp' | 'sl'): Child {
  const order: IbOrder = { action: o.action as 'BUY', totalQuantity: o.totalQuantity, orderType: o.orderType as 'LMT', lmtPrice: o.lmtPrice, auxPrice: o.auxPrice, tif: o.tif as 'GTC', ocaGroup: o.ocaGroup || undefined, ocaType: (o.ocaType || undefined) as 1 | undefined, account: o.account || undefined, orderRef: o.orderRef, transmit: true, parentId: o.parentId || undefined };
  const price = priceOf(o, kind) ?? 0;
  return { orderId: o.orderId, order, sent: price, confirmed: price };
}

/** An execution into the broker through the live path; true when it was new to it. */
/**
 * After a restart of TradeGuard (nothing held in memory): a position at IB
 * whose stop or target carries one of our client order ids is ours again,
 * opened with the same event id as before (stores that have it keep one copy).
 */
export function adopt(b: IbkrBroker, open: OpenOrder[], ibPositions: IbPosition[], execs: ExecutionWithCommission[], report: ReconcileReport): void {
  takeOverEntries(b, open);
  const byCoid = new Map<string, OpenOrder[]>();
  for (const o of open) {
    const c = childOf(o.orderRef);
    if (!c || b.held.has(c.coid) || b.recs.has(c.coid)) continue;
    byCoid.set(c.coid, [...(byCoid.get(c.coid) ?? []), o]);
  }
  for (const [coid, children] of byCoid) {
    const first = children[0];
    const symbol = b.o.contracts.symbolOf(first.contract.conId);
    const at = ibPositions.find((x) => x.contract.conId === first.contract.conId);
    const agentId = agentOfCoid(coid);
    if (!symbol || !at || agentId === null) {
      b.o.log?.('warn', `open orders ${children.map((c) => c.orderRef).join(', ')} look like TradeGuard's but ${!symbol ? 'their contract is not resolved' : !at ? 'IB holds no position in it' : 'the client order id names no agent'}: left alone`);
      continue;
    }
    const side: Side = first.action === 'SELL' ? 1 : -1;
    const per = b.o.contracts.unitsPerContract(symbol);
    const entry = execs.find((x) => x.orderRef === coid);
    const tp = children.find((c) => childOf(c.orderRef)?.kind === 'tp');
    const sl = children.find((c) => childOf(c.orderRef)?.kind === 'sl');
    const p: Held = {
      id: coid,
      agentId,
      symbol,
      side,
      volumeUnits: first.totalQuantity * per,
      // IB's average cost is per contract, multiplier included.
      entryPrice: entry?.avgPrice ?? at.avgCost / per,
      entryTime: (entry && b.execTime(entry.time)) ?? b.o.clock.now(),
      stopLoss: sl ? priceOf(sl, 'sl') : null,
      takeProfit: tp ? priceOf(tp, 'tp') : null,
      entryCommissionCents: entry?.commission !== undefined ? toCents(Math.abs(entry.commission)) : 0,
      conId: first.contract.conId,
      quantity: first.totalQuantity,
      children: { ...(tp ? { tp: childFrom(tp, 'tp') } : {}), ...(sl ? { sl: childFrom(sl, 'sl') } : {}) },
    };
    b.held.set(coid, p);
    report.adopted.push(coid);
    b.o.log?.('info', `position ${coid} found at IB with its ${[tp && 'target', sl && 'stop'].filter(Boolean).join(' and ')}: taken over`);
    emitOpened(b, p);
  }
  adoptFilledEntries(b, execs, ibPositions, report);
}

function emitOpened(b: IbkrBroker, p: Held): void {
  b.emit({ id: eventId.positionOpened(p.id), type: 'position.opened', agentId: p.agentId, time: b.o.clock.now(), payload: { positionId: p.id, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, entryPrice: p.entryPrice, stopLoss: p.stopLoss, takeProfit: p.takeProfit, commissionCents: p.entryCommissionCents, entryTime: p.entryTime } });
}

const isEntry = (ref: string) => /:E\d*$/.test(ref);

/**
 * An entry of ours that filled while TradeGuard was down with neither stop
 * nor target (no child at IB to find it by): its executions are the evidence.
 * Taken over, unprotected and said so, when nothing of ours closed it since
 * (no stop, target or close of its agent executed after it) and IB's position
 * in the contract still holds it beside the positions already known.
 */
function adoptFilledEntries(b: IbkrBroker, execs: ExecutionWithCommission[], ibPositions: IbPosition[], report: ReconcileReport): void {
  for (const coid of new Set(execs.map((x) => x.orderRef))) {
    const agentId = agentOfCoid(coid);
    const mine = execs.filter((x) => x.orderRef === coid);
    const conId = mine[0].contract.conId;
    const symbol = b.o.contracts.symbolOf(conId);
    if (!isEntry(coid) || agentId === null || !symbol || b.recs.has(coid) || b.held.has(coid)) continue;
    const at = Math.max(...mine.map((x) => b.execTime(x.time) ?? 0));
    const closedSince = execs.some((e) => e.orderRef === `${coid}:sl` || e.orderRef === `${coid}:tp` || (e.contract.conId === conId && agentOfCoid(e.orderRef) === agentId && !isEntry(e.orderRef) && !childOf(e.orderRef) && e.side !== mine[0].side && (b.execTime(e.time) ?? 0) >= at));
    if (closedSince) continue;
    const side: Side = mine[0].side === 'BOT' ? 1 : -1;
    const quantity = mine.reduce((n, x) => n + x.shares, 0);
    let rest = ibPositions.find((x) => x.contract.conId === conId)?.position ?? 0;
    for (const p of b.held.values()) if (p.conId === conId) rest -= p.side * p.quantity;
    if (Math.sign(rest) !== side || quantity > Math.abs(rest) + 1e-9) continue;
    const p: Held = {
      id: coid,
      agentId,
      symbol,
      side,
      volumeUnits: quantity * b.o.contracts.unitsPerContract(symbol),
      entryPrice: mine.reduce((s, x) => s + x.shares * x.price, 0) / quantity,
      entryTime: at || b.o.clock.now(),
      stopLoss: null,
      takeProfit: null,
      entryCommissionCents: toCents(mine.reduce((s, x) => s + Math.abs(x.commission ?? 0), 0)),
      conId,
      quantity,
      children: {},
    };
    b.held.set(coid, p);
    report.adopted.push(coid);
    b.o.log?.('warn', `position ${coid} (${symbol}) filled at IB while TradeGuard was away and has no stop or target there: taken over, unprotected`);
    emitOpened(b, p);
  }
}

/**
 * An entry of ours still working at IB that this broker does not know (sent
 * before a restart of TradeGuard, not filled yet): taken over with its
 * children, so its fill opens the position through the live path, and its
 * children are not mistaken for a position's while the parent waits.
 */
function takeOverEntries(b: IbkrBroker, open: OpenOrder[]): void {
  for (const o of open) {
    const agentId = agentOfCoid(o.orderRef);
    const symbol = b.o.contracts.symbolOf(o.contract.conId);
    if (childOf(o.orderRef) || !/:E\d*$/.test(o.orderRef) || agentId === null || !symbol || b.recs.has(o.orderRef) || b.held.has(o.orderRef)) continue;
    const r = b.record(o.orderRef, 'open', agentId, symbol, o.action === 'SELL' ? -1 : 1, o.totalQuantity);
    r.state = 'accepted';
    r.orderId = o.orderId;
    for (const kind of ['tp', 'sl'] as const) {
      const c = open.find((x) => x.orderRef === `${o.orderRef}:${kind}`);
      if (c) r.children[kind] = childFrom(c, kind);
    }
    b.o.log?.('info', `entry ${o.orderRef} found working at IB: taken over (its fill opens the position)`);
    b.accepted(r);
  }
}

/** The one alert of a gateway restart: how long, and what the reconcile found. */
