import { findContract, type FakeContract } from './fake-market.ts';

/**
 * The fake TWS's order book and account, and the order messages it writes at
 * server version 176 (IB's field order, written here from IB's EDecoder reading
 * order, independently of the client's decoder). Orders wait until one arrives
 * with transmit=1 (a bracket goes out whole); a market order fills at the next
 * bar's open, or at once at a scripted price; a child works once its parent
 * filled, a stop or limit fills when a bar crosses it, and the rest of its OCA
 * group is cancelled. Money here is plain numbers: the tests check to the cent.
 */
export interface FakeOrder {
  orderId: number;
  contract: FakeContract;
  action: 'BUY' | 'SELL';
  qty: number;
  type: string;
  lmt: number | undefined;
  aux: number | undefined;
  tif: string;
  ocaGroup: string;
  ocaType: number;
  account: string;
  orderRef: string;
  parentId: number;
  clientId: number;
  permId: number;
  status: 'Held' | 'PreSubmitted' | 'Submitted' | 'Filled' | 'Cancelled';
  filled: number;
  avgPrice: number;
}

export interface FakeFill {
  execId: string;
  order: FakeOrder;
  price: number;
  time: number;
  commission: number;
  /** The time as EXECUTION_DATA writes it (OrdersOptions.execTimes); absent: in UTC. */
  timeText?: string;
}

export interface OrdersOptions {
  account: string;
  cash?: number;
  /** Commission per share or unit, with a 1.00 minimum (IB's fixed stock rate is 0.005, min 1.00). */
  commissionPerUnit?: number;
  /** Market orders fill at once at this price instead of the next bar's open. */
  marketFillPrice?: number;
  /** Reject the next order placed with 201 and this text. */
  rejectNext?: string;
  /**
   * How execution times are written: 'utc' (default, "yyyymmdd hh:mm:ss UTC"),
   * 'tws' (TWS's own zone, New York as the handshake says, no zone: "yyyymmdd  hh:mm:ss"),
   * 'zoned' (New York with IB's zone name: "yyyymmdd hh:mm:ss US/Eastern").
   */
  execTimes?: 'utc' | 'tws' | 'zoned';
  /** Live fills send no COMMISSION_REPORT (TWS sends it late, or only in the executions list after a reconnect). */
  withholdCommissions?: boolean;
}

type Out = (fields: (string | number)[]) => void;

const num = (s: string): number | undefined => (s === '' ? undefined : Number(s));

export class FakeOrders {
  readonly orders = new Map<number, FakeOrder>();
  readonly fills: FakeFill[] = [];
  /** conId -> [qty, average cost]. */
  readonly positions = new Map<number, { contract: FakeContract; qty: number; avgCost: number }>();
  cash: number;
  readonly last = new Map<number, number>();
  /** Order ids modified (PLACE_ORDER again with the same id), in order. */
  readonly modified: number[] = [];
  private nextPerm = 9_000_001;
  private execSeq = 0;

  constructor(readonly o: OrdersOptions) {
    this.cash = o.cash ?? 100_000;
  }

  /** PLACE_ORDER at 176: [3, orderId, conId, symbol, secType, lastTrade, strike, right, multiplier, exchange, primaryExch, currency, localSymbol, tradingClass, secIdType, secId, action, qty, type, lmt, aux, tif, ocaGroup, account, openClose, origin, orderRef, transmit, parentId, ..., ocaType at 47]. */
  place(f: string[], clientId: number, send: Out, now: number): void {
    const orderId = Number(f[1]);
    if (f.length !== 115) return send(err(orderId, 320, `Error reading request: ${f.length} fields, 115 expected at server version 176`));
    const existing = this.orders.get(orderId);
    if (existing) return this.modify(existing, f, send);
    if (this.o.rejectNext) {
      const text = this.o.rejectNext;
      this.o.rejectNext = undefined;
      return send(err(orderId, 201, text));
    }
    const parentId = Number(f[28] || 0);
    if (parentId && !this.orders.has(parentId)) return send(err(orderId, 201, 'Order rejected - reason:The parent order is being canceled.'));
    const contract = findContract({ conId: f[2], symbol: f[3], secType: f[4], currency: f[11], localSymbol: f[12] });
    if (!contract) return send(err(orderId, 200, 'No security definition has been found for the request'));
    const o: FakeOrder = { orderId, contract, action: f[16] as 'BUY', qty: Number(f[17]), type: f[18], lmt: num(f[19]), aux: num(f[20]), tif: f[21], ocaGroup: f[22], ocaType: Number(f[47] || 0), account: f[23] || this.o.account, orderRef: f[26], parentId, clientId, permId: this.nextPerm++, status: 'Held', filled: 0, avgPrice: 0 };
    this.orders.set(orderId, o);
    if (f[27] !== '1') return;
    for (const h of [...this.orders.values()].filter((x) => x.status === 'Held')) {
      h.status = h.parentId && this.orders.get(h.parentId)?.status !== 'Filled' ? 'PreSubmitted' : 'Submitted';
      this.report(h, send);
    }
    if (this.o.marketFillPrice !== undefined) for (const h of this.working()) if (h.type === 'MKT') this.fill(h, this.o.marketFillPrice, now, send);
  }

  /** PLACE_ORDER with the id of an order it has: a modification, as at TWS (price and quantity change, the rest stays). */
  private modify(o: FakeOrder, f: string[], send: Out): void {
    if (o.status === 'Filled' || o.status === 'Cancelled') return send(err(o.orderId, 104, `Can't modify a ${o.status === 'Filled' ? 'filled' : 'cancelled'} order.`));
    Object.assign(o, { qty: Number(f[17]), lmt: num(f[19]), aux: num(f[20]) });
    this.modified.push(o.orderId);
    if (o.status !== 'Held') this.report(o, send);
  }

  cancel(orderId: number, send: Out): void {
    const o = this.orders.get(orderId);
    if (!o || o.status === 'Filled' || o.status === 'Cancelled') return send(err(orderId, 10148, `OrderId ${orderId} that needs to be cancelled cannot be cancelled, state: ${o?.status ?? 'unknown'}.`));
    // Cancelling a parent cancels its children, as at IB.
    for (const x of [o, ...this.working().filter((c) => c.parentId === orderId)]) {
      this.cancelled(x, send);
      send(err(x.orderId, 202, 'Order Canceled - reason:'));
    }
  }

  /** A bar of a contract: market orders fill at its open, then stops and limits it crosses (the stop first when both are). */
  bar(conId: number, b: { open: number; high: number; low: number; close: number }, now: number, send: Out): void {
    for (const o of this.working().filter((x) => x.contract.conId === conId && x.type === 'MKT')) this.fill(o, b.open, now, send);
    for (const type of ['STP', 'LMT']) {
      for (const o of this.working().filter((x) => x.contract.conId === conId && x.type === type && x.status === 'Submitted')) {
        const sell = o.action === 'SELL';
        const px = type === 'STP' ? o.aux! : o.lmt!;
        const crossed = type === 'STP' ? (sell ? b.low <= px : b.high >= px) : sell ? b.high >= px : b.low <= px;
        // A gap through the level fills at the open: worse for a stop, better for a limit.
        if (crossed) this.fill(o, type === 'STP' ? (sell ? Math.min(b.open, px) : Math.max(b.open, px)) : sell ? Math.max(b.open, px) : Math.min(b.open, px), now, send);
      }
    }
    this.last.set(conId, b.close);
  }

  /** NEXT_VALID_ID as TWS sends it: above every order id already used (a reconnect never gets an id of an earlier order). */
  nextValidId(floor: number): number {
    return Math.max(floor, ...[...this.orders.keys()].map((id) => id + 1));
  }

  working(): FakeOrder[] {
    return [...this.orders.values()].filter((o) => o.status === 'PreSubmitted' || o.status === 'Submitted');
  }

  private fill(o: FakeOrder, price: number, now: number, send: Out): void {
    if (o.status === 'Filled' || o.status === 'Cancelled') return;
    const signed = o.action === 'BUY' ? o.qty : -o.qty;
    const commission = Math.max(1, Math.round(o.qty * (this.o.commissionPerUnit ?? 0.005) * 100) / 100);
    const execId = `0000e0d5.6571${String(++this.execSeq).padStart(4, '0')}.01.01`;
    const fill: FakeFill = { execId, order: o, price, time: now, commission, timeText: timeText(now, this.o.execTimes ?? 'utc') };
    this.fills.push(fill);
    Object.assign(o, { status: 'Filled', filled: o.qty, avgPrice: price });
    const mult = Number(o.contract.multiplier || 1);
    this.cash -= signed * price * mult + commission;
    const p = this.positions.get(o.contract.conId) ?? { contract: o.contract, qty: 0, avgCost: 0 };
    p.avgCost = p.qty + signed === 0 ? 0 : Math.sign(p.qty) === Math.sign(signed) || p.qty === 0 ? (p.qty * p.avgCost + signed * price * mult) / (p.qty + signed) : p.avgCost;
    p.qty += signed;
    this.positions.set(o.contract.conId, p);
    this.last.set(o.contract.conId, price);
    send(execution(-1, fill));
    if (!this.o.withholdCommissions) send(commissionReport(fill));
    this.report(o, send);
    for (const child of this.working().filter((x) => x.parentId === o.orderId && x.status === 'PreSubmitted')) {
      child.status = 'Submitted';
      this.report(child, send);
    }
    if (o.ocaGroup) for (const other of this.working().filter((x) => x.ocaGroup === o.ocaGroup && x !== o)) this.cancelled(other, send);
  }

  private cancelled(o: FakeOrder, send: Out): void {
    o.status = 'Cancelled';
    this.report(o, send);
  }

  private report(o: FakeOrder, send: Out): void {
    send(openOrder(o));
    send(orderStatus(o));
  }

  /** What the account summary says, by tag: cash, net liquidation at the last prices, margin at 25% of gross position value. */
  summary(): [string, string][] {
    let gross = 0;
    let value = 0;
    for (const p of this.positions.values()) {
      const px = this.last.get(p.contract.conId) ?? 0;
      value += p.qty * px * Number(p.contract.multiplier || 1);
      gross += Math.abs(p.qty * px * Number(p.contract.multiplier || 1));
    }
    const netLiq = this.cash + value;
    const margin = gross * 0.25;
    const m2 = (n: number) => n.toFixed(2);
    return [['NetLiquidation', m2(netLiq)], ['TotalCashValue', m2(this.cash)], ['AvailableFunds', m2(netLiq - margin)], ['BuyingPower', m2((netLiq - margin) * 4)], ['GrossPositionValue', m2(gross)], ['InitMarginReq', m2(margin)], ['MaintMarginReq', m2(margin)], ['ExcessLiquidity', m2(netLiq - margin)]];
  }
}

export const err = (id: number, code: number, text: string) => [4, 2, id, code, text, ''];

const contractOf = (c: FakeContract) => [c.conId, c.symbol, c.secType, c.lastTradeDate, 0, '', c.multiplier, c.exchange, c.currency, c.localSymbol, c.tradingClass];

/** ORDER_STATUS at 176: no version; id, status, filled, remaining, avgFillPrice, permId, parentId, lastFillPrice, clientId, whyHeld, mktCapPrice. */
export function orderStatus(o: FakeOrder): (string | number)[] {
  return [3, o.orderId, o.status, o.filled, o.qty - o.filled, o.avgPrice, o.permId, o.parentId, o.avgPrice, o.clientId, '', 0];
}

/** EXECUTION_DATA at 176: no version; reqId, orderId, contract (11), execId, time, account, exchange, side, shares, price, permId, clientId, liquidation, cumQty, avgPrice, orderRef, evRule, evMultiplier, modelCode, lastLiquidity. */
export function execution(reqId: number, x: FakeFill): (string | number)[] {
  const o = x.order;
  return [11, reqId, o.orderId, ...contractOf(o.contract), x.execId, x.timeText ?? timeText(x.time, 'utc'), o.account, o.contract.exchange === 'SMART' ? 'ISLAND' : o.contract.exchange, o.action === 'BUY' ? 'BOT' : 'SLD', o.qty, x.price, o.permId, o.clientId, 0, o.qty, x.price, o.orderRef, '', '', '', 1];
}

const newYork = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** An execution time as TWS writes it: in UTC, or in its own zone (New York here) with or without IB's zone name. */
export function timeText(ms: number, form: 'utc' | 'tws' | 'zoned'): string {
  if (form === 'utc') {
    const t = new Date(ms).toISOString();
    return `${t.slice(0, 10).replaceAll('-', '')} ${t.slice(11, 19)} UTC`;
  }
  const p = Object.fromEntries(newYork.formatToParts(ms).map((x) => [x.type, x.value]));
  const day = `${p.year}${p.month}${p.day}`;
  const clock = `${p.hour}:${p.minute}:${p.second}`;
  return form === 'tws' ? `${day}  ${clock}` : `${day} ${clock} US/Eastern`;
}

/** COMMISSION_REPORT: version 1, execId, commission, currency, realized P&L (Double.MAX: none), yield, yield redemption date. */
export function commissionReport(x: FakeFill): (string | number)[] {
  return [59, 1, x.execId, x.commission, 'USD', '1.7976931348623157E308', '1.7976931348623157E308', ''];
}

export function position(account: string, p: { contract: FakeContract; qty: number; avgCost: number }): (string | number)[] {
  return [61, 3, account, ...contractOf(p.contract), p.qty, p.avgCost];
}

/**
 * OPEN_ORDER at 176 (no version): the order's fields in IB's order, zero counts
 * for combo legs, routing params, delta-neutral and conditions, no algo, no hedge.
 */
export function openOrder(o: FakeOrder): (string | number)[] {
  const e = (n: number) => Array<string>(n).fill('');
  return [
    5, o.orderId, ...contractOf(o.contract),
    o.action, o.qty, o.type, o.lmt ?? '', o.aux ?? '', o.tif, o.ocaGroup, o.account, '', 0, o.orderRef, o.clientId, o.permId,
    0, 0, 0, '', '', '', '', '', '', '', '', // outsideRth, hidden, discretionaryAmt, goodAfterTime, sharesAllocation, FA group/method/percentage/profile, modelCode, goodTillDate
    '', '', '', 0, '', -1, 0, // rule80A, percentOffset, settlingFirm, shortSaleSlot, designatedLocation, exemptCode, auctionStrategy
    '', '', '', '', '', '', 0, 0, 0, '', // startingPrice, stockRefPrice, delta, stockRangeLower/Upper, displaySize, blockOrder, sweepToFill, allOrNone, minQty
    o.ocaType, 0, 0, '', o.parentId, 0, // ocaType, eTradeOnly, firmQuoteOnly, nbboPriceCap, parentId, triggerMethod
    '', 0, '', '', 0, 0, // volatility, volatilityType, deltaNeutralOrderType (none), deltaNeutralAuxPrice, continuousUpdate, referencePriceType
    '', '', '', '', // trailStopPrice, trailingPercent, basisPoints, basisPointsType
    '', 0, 0, 0, // comboLegsDescription, combo legs, order combo legs, smart combo routing params
    '', '', '', // scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement
    '', 0, '', '', 0, 0, // hedgeType, optOutSmartRouting, clearingAccount, clearingIntent, notHeld, delta-neutral contract
    '', 0, 0, o.status === 'Held' ? 'PreSubmitted' : o.status, ...e(12), '', '', // algoStrategy, solicited, whatIf, status, margins and commissions, commission currency, warning text
    0, 0, 0, // randomizeSize, randomizePrice, conditions
    '', '', '', '', '', '', '', 0, // adjusted order fields
    '', '', '', // soft dollar tier
    '', 0, 0, 0, 0, '', '', 0, '', '', '', '', '', // cashQty ... midOffsetAtHalf
  ];
}
