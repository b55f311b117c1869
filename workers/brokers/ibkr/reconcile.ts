import { eventId } from '../../trading/events.ts';
import { childOf, outageText, type Held } from './book.ts';
import { adopt, childFrom, priceOf } from './adopt.ts';
import type { ReadyContext } from './client.ts';
import { NOT_RECEIVED, type IbkrBroker } from './ibkr-broker.ts';
import { closedUnseen, expectedIntoBook, settleLevels } from './expected.ts';
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
  const fromRecord = expectedIntoBook(b, execs, open);
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
 * position alone cannot say which is gone. One whose stop, target or close
 * still works at IB is there (those orders go when it closes); of the others,
 * the most that IB's remaining position is exactly made of are kept (every
 * combination of a few tried), else those it covers in the order they opened.
 */
function goneAtIb(b: IbkrBroker, ibPositions: IbPosition[]): Set<string> {
  const gone = new Set<string>();
  const byContract = new Map<number, Held[]>();
  for (const p of b.held.values()) if (!p.exit) byContract.set(p.conId, [...(byContract.get(p.conId) ?? []), p]);
  for (const [conId, held] of byContract) {
    let rest = ibPositions.find((x) => x.contract.conId === conId)?.position ?? 0;
    const working = (p: Held) => !!(p.children.sl || p.children.tp || (p.closing && b.recs.get(p.closing)?.state !== 'done'));
    for (const p of held.filter(working)) rest -= p.side * p.quantity;
    const free = held.filter((x) => !working(x));
    const exact = largestExactSet(free.map((p) => p.side * p.quantity), rest);
    free.forEach((p, i) => {
      const q = p.side * p.quantity;
      if (exact ? exact.has(i) : Math.sign(rest) === Math.sign(q) && Math.abs(q) <= Math.abs(rest) + 1e-9) {
        if (!exact) rest -= q;
      } else gone.add(p.id);
    });
  }
  return gone;
}

/** The indices of the largest subset of `qs` summing to `total` (up to 12 of them), or null when none does or there are too many to try. */
function largestExactSet(qs: number[], total: number): Set<number> | null {
  if (qs.length > 12) return null;
  let best: number[] | null = null;
  for (let mask = 0; mask < 1 << qs.length; mask++) {
    const idx = qs.map((_, i) => i).filter((i) => mask & (1 << i));
    const sum = idx.reduce((s, i) => s + qs[i], 0);
    if (Math.abs(sum - total) < 1e-9 && (!best || idx.length > best.length)) best = idx;
  }
  return best ? new Set(best) : null;
}

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

function notice(b: IbkrBroker, ctx: ReadyContext, r: ReconcileReport): void {
  const n = (k: number, one: string) => `${k} ${one}${k === 1 ? '' : 's'}`;
  const parts = [n(r.positions, 'position'), n(r.workingOrders, 'working order'), `${n(r.fillsWhileAway, 'fill')} while away reconciled`];
  const settled = r.unknownResolved.map((u) => `order ${u.clientOrderId} ${u.outcome === 'not received' ? 'was not received by IB' : u.outcome}`);
  if (r.foreign.length) parts.push(`${n(r.foreign.length, 'position')} not TradeGuard's left alone`);
  const message = `IB connection restored after ${outageText(ctx.downForMs ?? 0)}: ${parts.join(', ')}${settled.length ? `; ${settled.join('; ')}` : ''}`;
  b.emit({ id: eventId.riskNotice('broker-reconnected', `ibkr:${r.at}`), type: 'risk.notice', agentId: '', time: r.at, payload: { code: 'broker-reconnected', message } });
}
