import { afterEach, describe, expect, it } from 'vitest';
import type { IbkrClient } from '../../workers/brokers/ibkr/client.ts';
import type { FakeTws } from './fake-tws.ts';
import { until } from './helpers.ts';
import { MIN, T0, brokerOnFake, intent } from './broker-setup.ts';

let fake: FakeTws | null = null;
let client: IbkrClient | null = null;
afterEach(async () => {
  client?.stop();
  await fake?.close();
});

async function setup(o: Parameters<typeof brokerOnFake>[0] = {}) {
  const h = await brokerOnFake(o);
  fake = h.fake;
  client = h.client;
  await h.client.start();
  return h;
}

const COID = 'a1:GOOG:1704205800000:E';

describe('IbkrBroker: the bracket flow into engine events', () => {
  it('accepted, filled at the next open, opened with fill-based levels, trailing stop amended when IB confirms, stop hit -> closed with reason stop and both commissions', async () => {
    const { broker, of, fake, placed, time } = await setup();
    broker.submit(intent());
    await until(() => of('order.accepted').length === 1);
    // Priced from the mark (140): target 145, stop 138.
    expect(placed().map((r) => [r.fields[1], r.fields[18], r.fields[19], r.fields[20], r.fields[26], r.fields[27]])).toEqual([
      ['100', 'MKT', '', '', COID, '0'],
      ['101', 'LMT', '145', '', `${COID}:tp`, '0'],
      ['102', 'STP', '', '138', `${COID}:sl`, '1'],
    ]);
    expect(broker.pendingOrders()).toEqual([{ clientOrderId: COID, agentId: 'a1', symbol: 'GOOG', purpose: 'open', state: 'sent' }]);

    time.advanceTo(T0 + 5 * MIN);
    fake.bar('GOOG', { time: T0 + 5 * MIN, open: 140.5, high: 141, low: 140.2, close: 140.8 });
    await until(() => of('position.opened').length === 1 && fake.orders.modified.length === 2);
    expect(of('order.filled')[0]).toMatchObject({ id: `ord:filled:${COID}`, agentId: 'a1', payload: { clientOrderId: COID, side: 1, volumeUnits: 10, price: 140.5, commissionCents: 100 } });
    expect(of('position.opened')[0].payload).toEqual({ positionId: COID, symbol: 'GOOG', side: 1, volumeUnits: 10, entryPrice: 140.5, stopLoss: 138.5, takeProfit: 145.5, commissionCents: 100, entryTime: T0 + 5 * MIN });
    // The children moved at IB to fill ± distance, same order ids.
    await until(() => fake.orders.orders.get(102)!.aux === 138.5 && fake.orders.orders.get(101)!.lmt === 145.5);
    expect(of('position.amended')).toEqual([]);
    expect(broker.pendingOrders()).toEqual([]);
    await until(() => broker.account().balanceCents === Math.round(fake.orders.cash * 100));
    expect(broker.account().balanceCents).toBe(Math.round((100_000 - 1405 - 1) * 100));

    broker.amendPosition(COID, 139.5, 145.5, 'trailing stop');
    expect(of('position.amended')).toEqual([]); // not before IB confirms
    await until(() => of('position.amended').length === 1);
    expect(of('position.amended')[0].payload).toEqual({ positionId: COID, symbol: 'GOOG', stopLoss: 139.5, takeProfit: 145.5, previousStopLoss: 138.5, previousTakeProfit: 145.5, why: 'trailing stop' });
    expect(fake.orders.orders.get(102)!.aux).toBe(139.5);
    expect(broker.positions()[0].stopLoss).toBe(139.5);

    time.advanceTo(T0 + 10 * MIN);
    fake.bar('GOOG', { time: T0 + 10 * MIN, open: 140, high: 140.1, low: 139.2, close: 139.3 });
    await until(() => of('position.closed').length === 1);
    expect(of('position.closed')[0]).toMatchObject({ id: `pos:close:${COID}`, payload: { positionId: COID, reason: 'stop', entryPrice: 140.5, exitPrice: 139.5, exitTime: T0 + 10 * MIN, grossPnlCents: -1000, commissionCents: 200, netPnlCents: -1200 } });
    expect(broker.positions()).toEqual([]);
    expect(fake.orders.orders.get(101)!.status).toBe('Cancelled');
  });

  it('a short ES future hits its target: contracts from units (50 a contract), P&L with the multiplier', async () => {
    const { broker, of, fake, placed, time } = await setup();
    const coid = 'a2:ES:1704205800000:E';
    broker.submit(intent({ clientOrderId: coid, agentId: 'a2', symbol: 'ES', side: -1, volumeUnits: 50, stopDistance: 10, targetDistance: 20 }));
    await until(() => of('order.accepted').length === 1);
    expect(placed().map((r) => [r.fields[16], r.fields[17], r.fields[19], r.fields[20]])).toEqual([['SELL', '1', '', ''], ['BUY', '1', '4680', ''], ['BUY', '1', '', '4710']]);
    time.advanceTo(T0 + 5 * MIN);
    fake.bar('ES', { time: T0 + 5 * MIN, open: 4701, high: 4702, low: 4695, close: 4696 });
    await until(() => of('position.opened').length === 1);
    expect(of('position.opened')[0].payload).toMatchObject({ side: -1, volumeUnits: 50, entryPrice: 4701, stopLoss: 4711, takeProfit: 4681 });
    await until(() => fake.orders.orders.get(101)!.lmt === 4681);
    fake.bar('ES', { time: T0 + 10 * MIN, open: 4690, high: 4691, low: 4679, close: 4680 });
    await until(() => of('position.closed').length === 1);
    expect(of('position.closed')[0].payload).toMatchObject({ reason: 'target', exitPrice: 4681, grossPnlCents: (4701 - 4681) * 50 * 100, commissionCents: 200, netPnlCents: 100_000 - 200 });
  });

  it('a manual close: the children cancelled first, then a market order the other way with the given client order id; closed with reason manual', async () => {
    const { broker, of, fake, placed, time } = await setup({ orders: { marketFillPrice: 140 } });
    broker.submit(intent());
    await until(() => of('position.opened').length === 1);
    // Filled at the mark: the children already stand at fill ± distance, nothing to modify.
    await until(() => fake.orders.working().length === 2);
    expect(fake.orders.modified).toEqual([]);
    time.advanceTo(T0 + 3 * MIN);
    broker.closePosition(COID, 'manual', 'a1:GOOG:1704206000000:M');
    await until(() => of('position.closed').length === 1);
    const cancels = fake.received.filter((r) => r.fields[0] === '4').map((r) => r.fields[2]);
    expect(cancels.sort()).toEqual(['101', '102']);
    const close = placed().at(-1)!.fields;
    expect([close[1], close[16], close[17], close[18], close[26], close[27], close[28]]).toEqual(['103', 'SELL', '10', 'MKT', 'a1:GOOG:1704206000000:M', '1', '']);
    // The close went only after both children were cancelled at the fake.
    const closeAt = fake.received.findIndex((r) => r.fields[0] === '3' && r.fields[1] === '103');
    expect(fake.received.filter((r, i) => r.fields[0] === '4' && i < closeAt)).toHaveLength(2);
    expect(of('order.filled').map((e) => e.payload)).toMatchObject([{ clientOrderId: COID }, { clientOrderId: 'a1:GOOG:1704206000000:M', side: -1, price: 140 }]);
    expect(of('position.closed')[0].payload).toMatchObject({ reason: 'manual', exitPrice: 140, grossPnlCents: 0, commissionCents: 200, netPnlCents: -200 });
    expect([...fake.orders.positions.values()].map((p) => p.qty)).toEqual([0]);
  });

  it("a 201 rejection in IB's words; refusals before sending: size, no price, unknown symbol; nothing reaches IB for them", async () => {
    const text = 'Order rejected - reason:YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE [1000.00 USD] MUST EXCEED THE INITIAL MARGIN [1400.00 USD]';
    const { broker, of, placed, marks } = await setup({ orders: { rejectNext: text } });
    broker.submit(intent());
    await until(() => of('order.rejected').length === 1);
    expect(of('order.rejected')[0].payload).toEqual({ clientOrderId: COID, symbol: 'GOOG', reason: `IB 201: ${text}` });
    const sent = placed().length;
    broker.submit(intent({ clientOrderId: 'x-size', volumeUnits: 10.5 }));
    broker.submit(intent({ clientOrderId: 'x-es', symbol: 'ES', volumeUnits: 75 }));
    delete marks.GOOG;
    broker.submit(intent({ clientOrderId: 'x-mark' }));
    broker.submit(intent({ clientOrderId: 'x-sym', symbol: 'MSFT' }));
    const reasons = Object.fromEntries(of('order.rejected').slice(1).map((e) => [(e.payload as { clientOrderId: string }).clientOrderId, (e.payload as { reason: string }).reason]));
    expect(reasons).toEqual({
      'x-size': "volume 10.5 units is not a multiple of GOOG's step of 1 units",
      'x-es': "volume 75 units is not a multiple of ES's step of 50 units",
      'x-mark': 'no recent price for GOOG: the stop and target cannot be priced, so the order was not sent',
      'x-sym': 'MSFT is not resolved at IB: no contract for it',
    });
    expect(placed().length).toBe(sent);
  });

  it('refused when not connected (never held to send later); a bracket without a target sends no target child', async () => {
    const { broker, of, placed, time, fake } = await setup();
    broker.submit(intent({ targetDistance: null }));
    await until(() => of('order.accepted').length === 1);
    expect(placed().map((r) => [r.fields[18], r.fields[26], r.fields[27]])).toEqual([['MKT', COID, '0'], ['STP', `${COID}:sl`, '1']]);
    fake.restart();
    await until(() => client!.health().state === 'reconnecting');
    broker.submit(intent({ clientOrderId: 'later' }));
    expect(of('order.rejected').at(-1)!.payload).toMatchObject({ clientOrderId: 'later', reason: expect.stringMatching(/^not connected to IB .*never held to send later/) });
    expect(time.now()).toBe(T0);
  });

  it('cancel of an unfilled entry: order.cancelled with the reason given, the bracket gone at IB', async () => {
    const { broker, of, fake } = await setup();
    broker.submit(intent());
    await until(() => of('order.accepted').length === 1);
    broker.cancelOrder(COID, 'emergency stop');
    await until(() => of('order.cancelled').length === 1);
    expect(of('order.cancelled')[0].payload).toEqual({ clientOrderId: COID, symbol: 'GOOG', reason: 'emergency stop' });
    expect(fake.orders.working()).toEqual([]);
    expect(broker.pendingOrders()).toEqual([]);
    expect(of('order.rejected')).toEqual([]);
  });
});
