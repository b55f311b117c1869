import { eventId } from '../../trading/events.ts';
import type { Side } from '../../trading/orders.ts';
import { agentOfCoid, childOf, outageText, type Child, type Held } from './book.ts';
import type { ReadyContext } from './client.ts';
import { NOT_RECEIVED, type IbkrBroker } from './ibkr-broker.ts';
import { closedUnseen, expectedIntoBook, settleLevels } from './expected.ts';
import type { IbOrder } from './order-requests.ts';
import type { OpenOrder } from './order-responses.ts';
import type { ExecutionWithCommission, Position as IbPosition } from './orders.ts';

export interface ReconcileReport {
  at: number;
  /** Executions seen for the first time (filled while away, or lost with the connection). */
  fillsWhileAway: number;
  /** Unknown orders settled: filled, working, or not received by IB. */
  unknownResolved: { clientOrderId: string; outcome: 'filled' | 'working' | 'not received' }[];
  /** Positions taken over from IB's open orders (after a restart of TradeGuard). */
  adopted: string[];
  /** Positions the record held open (IbkrBroker.expectOpen): still open at IB, or closed while TradeGuard was away. */
  fromRecord: { kept: string[]; closed: string[] };
  /** Positions at IB that are not TradeGuard's: left alone. */
  foreign: { symbol: string; conId: number; position: number }[];
  positions: number;
  workingOrders: number;
}

/** Executions are asked for from a little before the last one seen: IB's filter is by time, ours by execId. */
const EXEC_MARGIN_MS = 60_000;

/**
 * After every ready: IB's executions since the last one seen, open orders (of
 * every client) and positions, brought into the broker. A fill that arrived
 * while away makes the same events it would have made live (same ids); an
 * order whose answer was lost is settled from them and never sent again; after
 * a restart of TradeGuard, positions come back from the open orders whose
 * orderRef is `<coid>:sl` / `:tp`. After a reconnect, one risk.notice says so.
 */
export async function reconcile(b: IbkrBroker, ctx: ReadyContext): Promise<ReconcileReport> {
  const { orders } = ctx;
  const account = b.accountId;
  const unknownBefore = new Set(b.unknownOrders());
  const since = b.lastExecAt;
  const execs = (await orders.executions(since === undefined ? undefined : since - EXEC_MARGIN_MS)).filter((x) => !account || x.account === account);
  const open = (await orders.openOrders()).filter((o) => !account || o.account === account || o.account === '');
  const ibPositions = (await orders.positions()).filter((p) => (!account || p.account === account) && p.position !== 0);
  const report: ReconcileReport = { at: b.o.clock.now(), fillsWhileAway: 0, unknownResolved: [], adopted: [], fromRecord: { kept: [], closed: [] }, foreign: [], positions: 0, workingOrders: 0 };

  // The record's open positions go back in the book first: adoption leaves them be, their executions while away close them.
  const fromRecord = expectedIntoBook(b, execs);
  adopt(b, open, ibPositions, execs, report);
  // Entries before their children: a stop cannot close a position not yet opened.
  const ordered = [...execs].sort((x, y) => (b.execTime(x.time) ?? 0) - (b.execTime(y.time) ?? 0) || Number(childOf(x.orderRef) !== null) - Number(childOf(y.orderRef) !== null));
  for (const x of ordered) {
    const t = b.execTime(x.time);
    if (t !== undefined) b.lastExecAt = Math.max(b.lastExecAt ?? t, t);
    if (replay(b, x)) report.fillsWhileAway++;
  }

  for (const r of [...b.recs.values()]) {
    if (r.state === 'done') continue;
    const working = open.find((o) => o.orderRef === r.coid);
    if (working) {
      r.orderId = working.orderId;
      if (r.state === 'unknown') r.state = 'accepted';
      b.accepted(r);
      for (const kind of ['tp', 'sl'] as const) {
        const c = open.find((o) => o.orderRef === `${r.coid}:${kind}`);
        const mine = r.children[kind];
        if (c && mine) Object.assign(mine, { orderId: c.orderId, confirmed: priceOf(c, kind) });
      }
    } else if (r.state === 'unknown' && r.fills.byExec.size === 0 && !r.awaitingCancel) {
      if (r.kind === 'close') b.failClose(r, r.positionId ? b.held.get(r.positionId) : undefined, NOT_RECEIVED);
      else b.reject(r, NOT_RECEIVED);
    } else if (r.awaitingCancel) {
      // The connection went while the close's children were being cancelled: not sent, said so.
      b.failClose(r, r.positionId ? b.held.get(r.positionId) : undefined, 'not sent: the connection to IB was lost while the stop and target were being cancelled');
    }
  }
  for (const coid of unknownBefore) {
    const r = b.recs.get(coid);
    if (!r || r.state === 'unknown') continue;
    report.unknownResolved.push({ clientOrderId: coid, outcome: r.fills.byExec.size > 0 ? 'filled' : r.state === 'done' ? 'not received' : 'working' });
  }

  for (const p of [...b.held.values()]) {
    for (const kind of ['tp', 'sl'] as const) {
      const c = open.find((o) => o.orderRef === `${p.id}:${kind}`);
      const mine = p.children[kind];
      if (c && mine) Object.assign(mine, { orderId: c.orderId, confirmed: priceOf(c, kind) });
      else if (c && !mine) p.children[kind] = childFrom(c, kind);
      else if (!c && mine && !p.exit) {
        delete p.children[kind];
        b.amended(p, kind === 'sl' ? null : p.stopLoss, kind === 'tp' ? null : p.takeProfit, 'no longer working at IB (found on reconnecting)');
      }
    }
  }
  const gone = goneAtIb(b, ibPositions);
  for (const p of [...b.held.values()]) {
    if (p.exit) continue;
    if (gone.has(p.id)) closedUnseen(b, p);
    else if (fromRecord.has(p.id)) settleLevels(b, p);
  }
  for (const id of fromRecord) report.fromRecord[b.held.has(id) ? 'kept' : 'closed'].push(id);

  const ours = new Map<number, number>();
  for (const p of b.held.values()) ours.set(p.conId, (ours.get(p.conId) ?? 0) + p.side * p.quantity);
  for (const x of ibPositions) {
    const rest = x.position - (ours.get(x.contract.conId) ?? 0);
    if (Math.abs(rest) > 1e-9) report.foreign.push({ symbol: b.o.contracts.symbolOf(x.contract.conId) ?? x.contract.localSymbol ?? x.contract.symbol, conId: x.contract.conId, position: rest });
  }
  if (report.foreign.length) b.o.log?.('info', `positions at IB that are not TradeGuard's, left alone: ${report.foreign.map((f) => `${f.symbol} ${f.position}`).join(', ')}`);
  report.positions = b.held.size;
  report.workingOrders = open.filter((o) => b.recs.has(o.orderRef) || b.held.has(childOf(o.orderRef)?.coid ?? '')).length;
  await b.refreshAccount(orders);
  if (ctx.again) notice(b, ctx, report);
  return report;
}

/**
 * The held positions IB no longer holds. IB nets an account's positions per
 * contract (two agents long and short one ES each: IB shows none), so IB's
 * position alone cannot say which is gone: one whose stop or target still
 * works at IB is there (those orders go when it closes), and the others are
 * kept while IB's remaining position covers them, in the order they opened.
 */
function goneAtIb(b: IbkrBroker, ibPositions: IbPosition[]): Set<string> {
  const gone = new Set<string>();
  const byContract = new Map<number, Held[]>();
  for (const p of b.held.values()) if (!p.exit) byContract.set(p.conId, [...(byContract.get(p.conId) ?? []), p]);
  for (const [conId, held] of byContract) {
    let rest = ibPositions.find((x) => x.contract.conId === conId)?.position ?? 0;
    const guarded = (p: Held) => !!(p.children.sl || p.children.tp);
    for (const p of held.filter(guarded)) rest -= p.side * p.quantity;
    for (const p of held.filter((x) => !guarded(x))) {
      const q = p.side * p.quantity;
      if (Math.sign(rest) === Math.sign(q) && Math.abs(q) <= Math.abs(rest) + 1e-9) rest -= q;
      else gone.add(p.id);
    }
  }
  return gone;
}

const priceOf = (o: OpenOrder, kind: 'tp' | 'sl') => (kind === 'tp' ? o.lmtPrice : o.auxPrice) ?? null;

function childFrom(o: OpenOrder, kind: 'tp' | 'sl'): Child {
  const order: IbOrder = { action: o.action as 'BUY', totalQuantity: o.totalQuantity, orderType: o.orderType as 'LMT', lmtPrice: o.lmtPrice, auxPrice: o.auxPrice, tif: o.tif as 'GTC', ocaGroup: o.ocaGroup || undefined, ocaType: (o.ocaType || undefined) as 1 | undefined, account: o.account || undefined, orderRef: o.orderRef, transmit: true, parentId: o.parentId || undefined };
  const price = priceOf(o, kind) ?? 0;
  return { orderId: o.orderId, order, sent: price, confirmed: price };
}

/** An execution into the broker through the live path; true when it was new to it. */
function replay(b: IbkrBroker, x: ExecutionWithCommission): boolean {
  const child = childOf(x.orderRef);
  const fill = { kind: 'fill', orderRef: x.orderRef, orderId: x.orderId, execId: x.execId, side: x.side, shares: x.shares, price: x.price, time: x.time } as const;
  const commission = x.commission === undefined ? null : ({ kind: 'commission', orderRef: x.orderRef, execId: x.execId, commission: x.commission, currency: x.commissionCurrency ?? '' } as const);
  if (child) {
    const p = b.held.get(child.coid);
    if (!p || p.exit?.fills.byExec.has(x.execId)) return false;
    b.fills.onChildEvent(fill, child.coid, child.kind);
    if (commission) b.fills.onChildEvent(commission, child.coid, child.kind);
    return true;
  }
  const r = b.recs.get(x.orderRef);
  if (!r || r.state === 'done' || r.fills.byExec.has(x.execId)) return false;
  b.fills.onFill(r, x.execId, x.shares, x.price, x.time);
  if (x.commission !== undefined) b.fills.onCommission(r.fills, x.execId, x.commission, () => b.fills.maybeComplete(r));
  return true;
}

/**
 * After a restart of TradeGuard (nothing held in memory): a position at IB
 * whose stop or target carries one of our client order ids is ours again,
 * opened with the same event id as before (stores that have it keep one copy).
 */
function adopt(b: IbkrBroker, open: OpenOrder[], ibPositions: IbPosition[], execs: ExecutionWithCommission[], report: ReconcileReport): void {
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
      entryCommissionCents: entry?.commission !== undefined ? Math.round(Math.abs(entry.commission) * 100) : 0,
      conId: first.contract.conId,
      quantity: first.totalQuantity,
      children: { ...(tp ? { tp: childFrom(tp, 'tp') } : {}), ...(sl ? { sl: childFrom(sl, 'sl') } : {}) },
    };
    b.held.set(coid, p);
    report.adopted.push(coid);
    b.o.log?.('info', `position ${coid} found at IB with its ${[tp && 'target', sl && 'stop'].filter(Boolean).join(' and ')}: taken over`);
    b.emit({ id: eventId.positionOpened(coid), type: 'position.opened', agentId, time: b.o.clock.now(), payload: { positionId: coid, symbol, side, volumeUnits: p.volumeUnits, entryPrice: p.entryPrice, stopLoss: p.stopLoss, takeProfit: p.takeProfit, commissionCents: p.entryCommissionCents, entryTime: p.entryTime } });
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
function notice(b: IbkrBroker, ctx: ReadyContext, r: ReconcileReport): void {
  const n = (k: number, one: string) => `${k} ${one}${k === 1 ? '' : 's'}`;
  const parts = [n(r.positions, 'position'), n(r.workingOrders, 'working order'), `${n(r.fillsWhileAway, 'fill')} while away reconciled`];
  const settled = r.unknownResolved.map((u) => `order ${u.clientOrderId} ${u.outcome === 'not received' ? 'was not received by IB' : u.outcome}`);
  if (r.foreign.length) parts.push(`${n(r.foreign.length, 'position')} not TradeGuard's left alone`);
  const message = `IB connection restored after ${outageText(ctx.downForMs ?? 0)}: ${parts.join(', ')}${settled.length ? `; ${settled.join('; ')}` : ''}`;
  b.emit({ id: eventId.riskNotice('broker-reconnected', `ibkr:${r.at}`), type: 'risk.notice', agentId: '', time: r.at, payload: { code: 'broker-reconnected', message } });
}
