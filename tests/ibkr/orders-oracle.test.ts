import { describe, expect, it } from 'vitest';
import type { Contract, Order } from '@stoqey/ib';
import { fxPair, future, stock, type IbContract } from '../../workers/brokers/ibkr/contract.ts';
import { ACCOUNT_TAGS, bracketOrders, cancelAccountSummary, cancelOrder, placeOrder, reqAccountSummary, reqAllOpenOrders, reqExecutions, reqPositions, type Bracket, type IbOrder } from '../../workers/brokers/ibkr/order-requests.ts';
import { frame } from '../../workers/brokers/ibkr/wire.ts';
import { stoqeyBytes } from './oracle.ts';

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
