import { describe, expect, it } from 'vitest';
import type { Contract, Order } from '@stoqey/ib';
import { fxPair, future, stock, type IbContract } from '../../workers/brokers/ibkr/contract.ts';
import { ACCOUNT_TAGS, bracketOrders, cancelAccountSummary, cancelOrder, placeOrder, reqAccountSummary, reqAllOpenOrders, reqExecutions, reqPositions, type Bracket, type IbOrder } from '../../workers/brokers/ibkr/order-requests.ts';
import { decodeIncoming } from '../../workers/brokers/ibkr/responses.ts';
import { frame } from '../../workers/brokers/ibkr/wire.ts';
import { CONTRACTS } from './fake-market.ts';
import { commissionReport, execution, openOrder, orderStatus, position, type FakeFill, type FakeOrder } from './fake-orders.ts';
import { DECODE_PROBLEM, stoqeyBytes, stoqeyDecode } from './oracle.ts';

const V = 176;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ours = (fields: string[]) => hex(frame(fields));

/** The same order as @stoqey/ib's Order object, built here field by field (not from our encoder). */
function stoqeyOrder(o: IbOrder): Order {
  return { action: o.action, totalQuantity: o.totalQuantity, orderType: o.orderType, lmtPrice: o.lmtPrice, auxPrice: o.auxPrice, tif: o.tif, ocaGroup: o.ocaGroup, ocaType: o.ocaType, account: o.account, orderRef: o.orderRef, transmit: o.transmit, parentId: o.parentId, outsideRth: o.outsideRth } as Order;
}

const BRACKETS: [string, Bracket][] = [
  ['GOOG long, day orders', { contract: stock('GOOG', 'USD', 'NASDAQ'), action: 'BUY', quantity: 10, takeProfit: 145.25, stopLoss: 138.5, tif: 'DAY', account: 'DU111111', orderRef: 'agent-1/o-7' }],
  ['EURUSD short, GTC, no account', { contract: fxPair('EURUSD'), action: 'SELL', quantity: 25000, takeProfit: 1.0875, stopLoss: 1.1025, tif: 'GTC', orderRef: 'agent-2/o-1' }],
  ['an ES future by conId', { contract: { ...future('ES', 'CME', 'USD', '202512'), conId: 495512563, multiplier: 50 }, action: 'BUY', quantity: 1, takeProfit: 6050.25, stopLoss: 5990.75, tif: 'GTC', account: 'DU111111', orderRef: 'es-1' }],
];

describe(`order and account requests are byte for byte what @stoqey/ib sends at server version ${V}`, () => {
  it.each(BRACKETS)('a bracket: %s', (_, b) => {
    const orders = bracketOrders(5000, b);
    expect(orders.map((o) => o.orderId)).toEqual([5000, 5001, 5002]);
    // The shape IB asks of a bracket, stated here independently of the encoder.
    const [parent, tp, sl] = orders.map((o) => o.order);
    expect([parent.orderType, parent.transmit, parent.parentId, parent.orderRef]).toEqual(['MKT', false, undefined, b.orderRef]);
    expect([tp.orderType, tp.lmtPrice, tp.parentId, tp.transmit]).toEqual(['LMT', b.takeProfit, 5000, false]);
    expect([sl.orderType, sl.auxPrice, sl.parentId, sl.transmit]).toEqual(['STP', b.stopLoss, 5000, true]);
    expect(tp.ocaGroup).toBe(sl.ocaGroup);
    expect(tp.action).toBe(b.action === 'BUY' ? 'SELL' : 'BUY');
    for (const o of orders) {
      expect(o.fields.length).toBe(115);
      expect(ours(o.fields)).toBe(hex(stoqeyBytes(V, (e) => e.placeOrder(o.orderId, b.contract as Contract, stoqeyOrder(o.order)))));
    }
  });

  it('a single order with outside-RTH on and every oca type', () => {
    const c: IbContract = stock('AAPL');
    for (const ocaType of [1, 2, 3] as const) {
      const o: IbOrder = { action: 'SELL', totalQuantity: 3, orderType: 'STP', auxPrice: 187.01, tif: 'GTC', ocaGroup: 'g', ocaType, orderRef: 'x', transmit: true, outsideRth: true };
      expect(ours(placeOrder(42, c, o))).toBe(hex(stoqeyBytes(V, (e) => e.placeOrder(42, c as Contract, stoqeyOrder(o)))));
    }
  });

  it('cancelOrder, reqPositions, reqAllOpenOrders, account summary and its cancel', () => {
    expect(ours(cancelOrder(5001))).toBe(hex(stoqeyBytes(V, (e) => e.cancelOrder(5001, {} as never))));
    expect(ours(reqPositions())).toBe(hex(stoqeyBytes(V, (e) => e.reqPositions())));
    expect(ours(reqAllOpenOrders())).toBe(hex(stoqeyBytes(V, (e) => e.reqAllOpenOrders())));
    expect(ours(reqAccountSummary(1_000_000_003))).toBe(hex(stoqeyBytes(V, (e) => e.reqAccountSummary(1_000_000_003, 'All', ACCOUNT_TAGS.join(',')))));
    expect(ours(cancelAccountSummary(1_000_000_003))).toBe(hex(stoqeyBytes(V, (e) => e.cancelAccountSummary(1_000_000_003))));
  });

  it('reqExecutions with no filter and with every filter field', () => {
    expect(ours(reqExecutions(9))).toBe(hex(stoqeyBytes(V, (e) => e.reqExecutions(9, {}))));
    const x = { clientId: 17, acctCode: 'DU111111', time: '20240102-14:30:00', symbol: 'GOOG', secType: 'STK', exchange: 'SMART', side: 'BUY' } as const;
    expect(ours(reqExecutions(9, x))).toBe(hex(stoqeyBytes(V, (e) => e.reqExecutions(9, x as never))));
  });
});

describe('order messages the fake sends decode cleanly with @stoqey/ib at 176, to the values the client reads', () => {
  const goog = CONTRACTS[0];
  const es = CONTRACTS[2];
  const base: FakeOrder = { orderId: 5002, contract: goog, action: 'SELL', qty: 10, type: 'STP', lmt: undefined, aux: 138.5, tif: 'DAY', ocaGroup: 'oca:agent-1/o-7', ocaType: 1, account: 'DU111111', orderRef: 'agent-1/o-7:sl', parentId: 5000, clientId: 7, permId: 9000003, status: 'Submitted', filled: 0, avgPrice: 0 };
  const filled: FakeOrder = { ...base, orderId: 5000, type: 'MKT', aux: undefined, action: 'BUY', parentId: 0, ocaGroup: '', ocaType: 0, orderRef: 'agent-1/o-7', status: 'Filled', filled: 10, avgPrice: 140.12 };
  const fill: FakeFill = { execId: '0000e0d5.65710001.01.01', order: filled, price: 140.12, time: Date.UTC(2024, 0, 2, 14, 35), commission: 1 };

  const cases: [string, (string | number)[]][] = [
    ['openOrder of a working stop child', openOrder(base)],
    ['openOrder of a limit child of a future', openOrder({ ...base, contract: es, type: 'LMT', lmt: 6050.25, aux: undefined })],
    ['openOrder of a filled market parent', openOrder(filled)],
    ['orderStatus filled', orderStatus(filled)],
    ['orderStatus cancelled', orderStatus({ ...base, status: 'Cancelled' })],
    ['execution', execution(1_000_000_009, fill)],
    ['commission report', commissionReport(fill)],
    ['position', position('DU111111', { contract: goog, qty: 10, avgCost: 140.12 })],
    ['account summary row', [63, 1, 1_000_000_003, 'DU111111', 'NetLiquidation', '100012.34', 'USD']],
    ['account summary end', [64, 1, 1_000_000_003]],
    ['position end', [62, 1]],
    ['open order end', [53, 1]],
    ['executions end', [55, 1, 1_000_000_009]],
  ];

  it.each(cases)('%s', (_, msg) => {
    const fields = msg.map(String);
    const d = stoqeyDecode(V, fields);
    expect(d.errors.filter((e) => DECODE_PROBLEM.test(e.message))).toEqual([]);
    expect(d.events.length).toBe(1);
    const m = decodeIncoming(fields);
    const args = d.events[0].args;
    if (m.type === 'openOrder') {
      const [id, c, o, st] = args as [number, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
      expect([id, c.conId, c.symbol, o.action, o.totalQuantity, o.orderType, o.lmtPrice, o.auxPrice, o.tif, o.ocaGroup, o.ocaType, o.orderRef, o.parentId, o.permId, st.status]).toEqual([m.order.orderId, m.order.contract.conId, m.order.contract.symbol, m.order.action, m.order.totalQuantity, m.order.orderType, m.order.lmtPrice, m.order.auxPrice, m.order.tif, m.order.ocaGroup, m.order.ocaType, m.order.orderRef, m.order.parentId, m.order.permId, m.order.status]);
    } else if (m.type === 'orderStatus') expect(args.slice(0, 10)).toEqual([m.orderId, m.status, m.filled, m.remaining, m.avgFillPrice, m.permId, m.parentId, m.lastFillPrice, m.clientId, m.whyHeld]);
    else if (m.type === 'execution') {
      const [reqId, c, x] = args as [number, Record<string, unknown>, Record<string, unknown>];
      const e = m.execution;
      expect([reqId, c.conId, x.orderId, x.execId, x.time, x.acctNumber, x.side, x.shares, x.price, x.permId, x.cumQty, x.avgPrice, x.orderRef]).toEqual([e.reqId, e.contract.conId, e.orderId, e.execId, e.time, e.account, e.side, e.shares, e.price, e.permId, e.cumQty, e.avgPrice, e.orderRef]);
    } else if (m.type === 'commission') {
      const r = args[0] as Record<string, unknown>;
      expect([r.execId, r.commission, r.currency]).toEqual([m.execId, m.commission, m.currency]);
      expect(m.realizedPnl).toBeUndefined();
    } else if (m.type === 'position') expect([args[0], (args[1] as { conId: number }).conId, args[2], args[3]]).toEqual([m.account, m.contract.conId, m.position, m.avgCost]);
    else if (m.type === 'accountSummary') expect(args).toEqual([m.reqId, m.account, m.tag, m.value, m.currency]);
    else if (m.type === 'accountSummaryEnd' || m.type === 'executionEnd') expect(args).toEqual([m.reqId]);
    else expect(['positionEnd', 'openOrderEnd']).toContain(m.type);
  });

  it('an OPEN_ORDER one field short or long is refused, not misread', () => {
    const fields = openOrder(base).map(String);
    expect(() => decodeIncoming(fields.slice(0, -1))).toThrow(/OPEN_ORDER: the message ended/);
    expect(() => decodeIncoming([...fields, ''])).toThrow(/OPEN_ORDER: 1 fields left over/);
  });
});

describe('an OPEN_ORDER with every optional group IB may send (as TWS reports orders placed elsewhere)', () => {
  it('is walked to its end by both decoders, which agree', () => {
    const o: FakeOrder = { orderId: 77, contract: CONTRACTS[0], action: 'BUY', qty: 100, type: 'LMT', lmt: 150.25, aux: undefined, tif: 'GTC', ocaGroup: '', ocaType: 3, account: 'DU111111', orderRef: 'manual', parentId: 0, clientId: 0, permId: 123456, status: 'Submitted', filled: 0, avgPrice: 0 };
    const f = openOrder(o).map(String);
    expect(f.length).toBe(128);
    // Indexes of the zero-extras layout (counted in IB's read order); edited from the back so earlier ones hold.
    f[100] = 'Order will be held until the price condition is met';
    f.splice(103, 1, '1', '1', 'a', '1', '150.5', '208813720', 'SMART', '0', '0', '0'); // one price condition, then ignoreRth, cancelOrder
    f.splice(83, 1, 'Adaptive', '1', 'adaptivePriority', 'Normal'); // an algo with one parameter
    f.splice(82, 1, '1', '12087792', '0.5', '1.1'); // a delta-neutral contract
    f.splice(77, 1, 'D', '0.5'); // a hedge with its parameter
    f.splice(76, 1, '0.1', '', '', '', '0', '', '', '0'); // scale price increment > 0 and its seven fields
    f.splice(73, 1, '1', 'NonGuaranteed', '1'); // smart combo routing parameter
    f.splice(71, 2, '1', '208813720', '1', 'BUY', 'SMART', '0', '0', '', '-1', '1', '150.1'); // one combo leg, one order combo leg price
    f.splice(62, 2, 'LMT', '1.5', '12087792', '', '', '', '', '0', '0', ''); // delta-neutral order type, aux price and its eight fields
    const d = stoqeyDecode(V, f);
    expect(d.errors.filter((e) => DECODE_PROBLEM.test(e.message))).toEqual([]);
    const [, , order, state] = d.events[0].args as [number, unknown, Record<string, unknown>, Record<string, unknown>];
    expect([order.algoStrategy, (order.conditions as unknown[]).length, order.hedgeType, order.scalePriceIncrement, order.orderRef]).toEqual(['Adaptive', 1, 'D', 0.1, 'manual']);
    const m = decodeIncoming(f);
    expect(m.type === 'openOrder' && [m.order.orderRef, m.order.lmtPrice, m.order.ocaType, m.order.status, m.order.warningText]).toEqual(['manual', 150.25, 3, 'Submitted', 'Order will be held until the price condition is met']);
    expect(state.warningText).toBe('Order will be held until the price condition is met');
    // Another condition type than IB defines is refused, not skipped by guess.
    const bad = [...f];
    bad[bad.indexOf('150.5') - 3] = '2';
    expect(() => decodeIncoming(bad)).toThrow(/order condition type 2/);
  });
});
