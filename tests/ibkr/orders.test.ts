import { afterEach, describe, expect, it } from 'vitest';
import { wallScheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import { IbkrSession } from '../../workers/brokers/ibkr/connection.ts';
import { stock } from '../../workers/brokers/ibkr/contract.ts';
import type { Bracket } from '../../workers/brokers/ibkr/order-requests.ts';
import { IbkrOrders, type OrderEvent } from '../../workers/brokers/ibkr/orders.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import { TcpTransport } from '../../relay/ibkr/tcp-transport.ts';
import type { FakeTws, FakeTwsOptions } from './fake-tws.ts';
import { fakeAndSession, until } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 2, 14, 30);
const MIN = 60_000;
const bracket: Bracket = { contract: stock('GOOG', 'USD', 'NASDAQ'), action: 'BUY', quantity: 10, takeProfit: 145, stopLoss: 138, tif: 'DAY', account: 'DU111111', orderRef: 'agent-1/o-1' };

let fake: FakeTws | null = null;
afterEach(async () => void (await fake?.close()));

async function setup(o: FakeTwsOptions = {}) {
  const h = await fakeAndSession({ accounts: ['DU111111'], nextValidId: 100, ...o });
  fake = h.fake;
  await h.session.connect();
  const orders = new IbkrOrders(h.session, wallScheduler, 2000);
  const events: OrderEvent[] = [];
  orders.onOrderEvent((e) => void events.push(e));
  return { ...h, orders, events };
}

const of = (events: OrderEvent[], kind: OrderEvent['kind'], orderRef: string) => events.filter((e) => e.kind === kind && e.orderRef === orderRef);
const value = (rows: { tag: string; value: string }[], tag: string) => Number(rows.find((r) => r.tag === tag)?.value);

describe('orders and account against the fake TWS', () => {
  it('a bracket placed, its fill at the next open, the stop hit, then the positions, account and executions', async () => {
    const { session, orders, events } = await setup();
    const ids = orders.placeBracket(bracket);
    expect(ids).toEqual({ parentId: 100, orderIds: [100, 101, 102] });
    await until(() => of(events, 'status', 'agent-1/o-1:sl').length > 0);
    const placed = fake!.received.filter((r) => r.fields[0] === '3').map((r) => [r.fields[1], r.fields[18], r.fields[26], r.fields[27], r.fields[28]]);
    expect(placed).toEqual([['100', 'MKT', 'agent-1/o-1', '0', ''], ['101', 'LMT', 'agent-1/o-1:tp', '0', '100'], ['102', 'STP', 'agent-1/o-1:sl', '1', '100']]);
    const open = await orders.openOrders();
    expect(open.map((o) => [o.orderId, o.orderType, o.status, o.ocaGroup])).toEqual([[100, 'MKT', 'Submitted', ''], [101, 'LMT', 'PreSubmitted', 'oca:agent-1/o-1'], [102, 'STP', 'PreSubmitted', 'oca:agent-1/o-1']]);

    // The next bar opens at 140: the parent fills there; 10 shares at 0.005 is under IB's 1.00 minimum.
    fake!.bar('GOOG', { time: T0 + 5 * MIN, open: 140, high: 141, low: 139.5, close: 140.5 });
    await until(() => of(events, 'status', 'agent-1/o-1:tp').some((e) => e.kind === 'status' && e.status === 'Submitted'));
    expect(of(events, 'fill', 'agent-1/o-1').map((e) => e.kind === 'fill' && [e.side, e.shares, e.price])).toEqual([['BOT', 10, 140]]);
    expect(of(events, 'commission', 'agent-1/o-1').map((e) => e.kind === 'commission' && e.commission)).toEqual([1]);
    const held = await orders.accountSummary();
    const cash1 = 100_000 - 10 * 140 - 1;
    const netLiq1 = cash1 + 10 * 140.5;
    expect([value(held, 'TotalCashValue'), value(held, 'NetLiquidation'), value(held, 'AvailableFunds'), value(held, 'BuyingPower')]).toEqual([cash1, netLiq1, netLiq1 - 1405 * 0.25, (netLiq1 - 1405 * 0.25) * 4]);
    expect((await orders.positions()).map((p) => [p.account, p.contract.symbol, p.position, p.avgCost])).toEqual([['DU111111', 'GOOG', 10, 140]]);

    // A bar gapping under the stop: it fills at the open (worse than 138), the target is cancelled (OCA).
    fake!.bar('GOOG', { time: T0 + 10 * MIN, open: 137.9, high: 138.2, low: 137.5, close: 137.8 });
    await until(() => of(events, 'status', 'agent-1/o-1:tp').some((e) => e.kind === 'status' && e.status === 'Cancelled'));
    expect(of(events, 'fill', 'agent-1/o-1:sl').map((e) => e.kind === 'fill' && [e.side, e.shares, e.price])).toEqual([['SLD', 10, 137.9]]);
    expect(of(events, 'fill', 'agent-1/o-1:tp')).toEqual([]);
    expect(await orders.openOrders()).toEqual([]);
    expect((await orders.positions()).map((p) => p.position)).toEqual([0]);
    const after = await orders.accountSummary();
    const cash2 = cash1 + 10 * 137.9 - 1;
    expect([value(after, 'TotalCashValue'), value(after, 'NetLiquidation'), value(after, 'GrossPositionValue')]).toEqual([Math.round(cash2 * 100) / 100, Math.round(cash2 * 100) / 100, 0]);

    const all = await orders.executions();
    expect(all.map((x) => [x.orderRef, x.side, x.price, x.commission])).toEqual([['agent-1/o-1', 'BOT', 140, 1], ['agent-1/o-1:sl', 'SLD', 137.9, 1]]);
    expect((await orders.executions(T0 + 7 * MIN)).map((x) => x.orderRef)).toEqual(['agent-1/o-1:sl']);
    expect(() => orders.placeBracket(bracket)).toThrow(/already sent to TWS: it is not sent twice/);
    session.close();
  });

  it('a market order filled at once at a scripted price', async () => {
    const { session, orders, events } = await setup({ orders: { marketFillPrice: 139.25 } });
    orders.placeBracket({ ...bracket, orderRef: 'o-2' });
    await until(() => of(events, 'commission', 'o-2').length === 1);
    expect(of(events, 'fill', 'o-2').map((e) => e.kind === 'fill' && e.price)).toEqual([139.25]);
    session.close();
  });

  it("a rejection (201) reaches the order's ref with IB's text; the children go with it", async () => {
    const text = 'Order rejected - reason:YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE [1000.00 USD] MUST EXCEED THE INITIAL MARGIN [1400.00 USD]';
    const { session, orders, events } = await setup({ orders: { rejectNext: text } });
    orders.placeBracket({ ...bracket, orderRef: 'o-3' });
    await until(() => events.filter((e) => e.kind === 'rejected').length === 3);
    const [parent, ...children] = events.filter((e) => e.kind === 'rejected');
    expect(parent).toMatchObject({ orderRef: 'o-3', orderId: 100, code: 201, reason: `IB 201: ${text}` });
    expect(children.map((e) => e.orderRef)).toEqual(['o-3:tp', 'o-3:sl']);
    expect(await orders.openOrders()).toEqual([]);
    session.close();
  });

  it('a disconnect between placeOrder and its execution: the outcome is reported unknown, nothing is re-sent, the fill is found after reconnecting', async () => {
    const { session, orders, events, port } = await setup({ dropAfterTransmit: true });
    orders.placeBracket({ ...bracket, orderRef: 'o-4' });
    await until(() => session.state === 'closed');
    const unknown = events.filter((e) => e.kind === 'unknown');
    expect(unknown.map((e) => e.kind === 'unknown' && [e.orderRef, e.acknowledged])).toEqual([['o-4', false], ['o-4:tp', false], ['o-4:sl', false]]);
    expect(unknown[0].kind === 'unknown' && unknown[0].reason).toMatch(/before TWS acknowledged the order: its outcome is unknown .* not sent again/);
    expect(() => orders.placeBracket({ ...bracket, orderRef: 'o-4' })).toThrow(/already sent/);

    // TWS had the bracket: it fills while nobody listens.
    fake!.bar('GOOG', { time: T0 + 5 * MIN, open: 140.1, high: 140.3, low: 139.9, close: 140.2 });
    const again = new IbkrSession({ transport: new TcpTransport({ host: '127.0.0.1', port }), clock: wallClock, scheduler: wallScheduler, clientId: 7, requestTimeoutMs: 2000 });
    await again.connect();
    const reconciled = new IbkrOrders(again, wallScheduler, 2000);
    expect((await reconciled.executions()).map((x) => [x.orderRef, x.price])).toEqual([['o-4', 140.1]]);
    expect((await reconciled.openOrders()).map((o) => [o.orderRef, o.status])).toEqual([['o-4:tp', 'Submitted'], ['o-4:sl', 'Submitted']]);
    expect(fake!.received.filter((r) => r.fields[0] === '3').length).toBe(3);
    again.close();
  });
});

describe('cancel and refusals', () => {
  it('cancelling the parent before it fills cancels the bracket: statuses, no rejection, nothing open', async () => {
    const { session, orders, events } = await setup();
    orders.placeBracket({ ...bracket, orderRef: 'o-5' });
    await until(() => of(events, 'status', 'o-5:sl').length > 0);
    orders.cancel(100);
    await until(() => ['o-5', 'o-5:tp', 'o-5:sl'].every((r) => of(events, 'status', r).some((e) => e.kind === 'status' && e.status === 'Cancelled')));
    expect(events.filter((e) => e.kind === 'rejected')).toEqual([]);
    expect(fake!.received.filter((r) => r.fields[0] === '4').map((r) => r.fields)).toEqual([['4', '1', '100', '']]);
    expect(await orders.openOrders()).toEqual([]);
    session.close();
    expect(events.filter((e) => e.kind === 'unknown')).toEqual([]);
  });

  it('a closed session refuses orders and lists with words', async () => {
    const { session, orders } = await setup();
    session.close();
    expect(() => orders.placeBracket({ ...bracket, orderRef: 'o-6' })).toThrow(/needs a ready session/);
    await expect(orders.positions()).rejects.toThrow(/needs a ready session/);
    await expect(orders.accountSummary()).rejects.toThrow(/needs a ready session/);
  });
});

describe('codes about an order that are not rejections', () => {
  it("IB's order warning (399) and a refused cancel (10148) leave the order working and reject nothing", async () => {
    const { session, orders, events } = await setup({ orders: { marketFillPrice: 140 } });
    orders.placeBracket({ ...bracket, orderRef: 'o-7' });
    await until(() => of(events, 'fill', 'o-7').length === 1);
    fake!.error(102, 399, 'Order Message:\nSELL 10 GOOG NASDAQ.NMS\nWarning: your order will not be placed at the exchange until 2024-01-03 09:30:00 US/Eastern.');
    orders.cancel(100); // already filled: IB refuses with 10148
    await until(() => fake!.sent.some((f) => f[0] === '4' && f[3] === '10148'));
    expect(await orders.openOrders()).toHaveLength(2);
    expect(events.filter((e) => e.kind === 'rejected')).toEqual([]);
    session.close();
  });
});
