import { afterEach, describe, expect, it } from 'vitest';
import type { OrderIntent } from '../../workers/trading/orders.ts';
import { NOT_RECEIVED } from '../../workers/brokers/ctrader/ctrader-broker.ts';
import { listenTcp, type Listening } from './fake/listen.ts';
import type { FakeCTrader } from './fake/fake-ctrader.ts';
import { ManualTime, TOKEN, fakeServer, quoteAll, sleep, startClient, tokenList, until, type Client } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 3, 9, 0);
let open: { l: Listening; c: Client }[] = [];
afterEach(async () => {
  for (const { l, c } of open) {
    c.conn.stop();
    await l.close();
  }
  open = [];
});

async function setup(extra: Parameters<typeof fakeServer>[1] = {}, clientOpts: Parameters<typeof startClient>[2] = {}) {
  const time = new ManualTime(T0);
  const fake = fakeServer(() => time.now(), extra);
  quoteAll(fake, T0);
  const l = await listenTcp(fake);
  const c = startClient(l.port, time, clientOpts);
  open.push({ l, c });
  await c.conn.start();
  return { time, fake, l, ...c };
}

const intent = (id: string, o: Partial<OrderIntent> = {}): OrderIntent => ({ clientOrderId: id, agentId: 'a1', symbol: 'EURUSD', side: 1, volumeUnits: 10_000, stopDistance: 0.002, targetDistance: 0.004, decidedAt: T0, ...o });
const types = (c: { events: { type: string }[] }) => c.events.map((e) => e.type);
const ordersOf = (fake: FakeCTrader, coid: string) => fake.newOrders().filter((m) => m.payload.clientOrderId === coid).length;

describe('CTraderBroker: orders and execution events', () => {
  it('maps accept and fill to the engine events, with relative SL/TP in 1/100000', async () => {
    const s = await setup();
    s.broker.submit(intent('o1'));
    await until(() => s.broker.positions().length === 1, 'fill');
    expect(types(s)).toEqual(['order.accepted', 'order.filled', 'position.opened']);
    expect(s.fake.newOrders()[0].payload).toMatchObject({ relativeStopLoss: 200, relativeTakeProfit: 400, volume: 1_000_000 });
    expect(s.broker.positions()[0]).toMatchObject({ id: 'o1', entryPrice: 1.10002, stopLoss: 1.09802, takeProfit: 1.10402 });
    s.broker.submit(intent('o1'));
    expect(s.fake.newOrders()).toHaveLength(1); // the same id is never sent twice
    // Equity marks the long at the bid; margin is notional over the account's 1:30 leverage.
    s.fake.tick('EURUSD', T0 + 1000, 1.1012, 0.00002);
    await until(() => s.broker.account().equity !== 10_000, 'the quote');
    const a = s.broker.account();
    expect(a.balanceCents).toBe(1_000_000);
    expect(a.equity).toBeCloseTo(10_000 + (1.1012 - 1.10002) * 10_000, 6);
    expect(a.usedMargin).toBeCloseTo((1.10002 * 10_000) / 30, 6);
    expect(a.freeMargin).toBeCloseTo(a.equity - a.usedMargin, 6);
    expect(a.leverage).toBe(30);
  });

  it('refuses locally, without sending, a volume below the minimum, and an order while another is held', async () => {
    const s = await setup();
    s.broker.submit(intent('small', { volumeUnits: 500 }));
    expect(s.events[0].payload).toMatchObject({ reason: "volume 500 units is below EURUSD's minimum of 1000 units" });
    expect(s.fake.newOrders()).toHaveLength(0);
  });

  it('rejections: ORDER_REJECTED, order error events, market closed', async () => {
    const s = await setup();
    s.fake.faults.rejectNextOrder = 'NOT_ENOUGH_MONEY';
    s.broker.submit(intent('r1'));
    await until(() => s.events.some((e) => e.type === 'order.rejected'), 'rejection');
    expect(s.events.find((e) => e.type === 'order.rejected')!.payload).toMatchObject({ clientOrderId: 'r1', reason: expect.stringMatching(/^NOT_ENOUGH_MONEY: not enough free margin/) });
    s.fake.faults.marketClosed = true;
    s.broker.submit(intent('r2'));
    await until(() => s.events.filter((e) => e.type === 'order.rejected').length === 2, 'market closed');
    expect(s.events.at(-1)!.payload).toMatchObject({ clientOrderId: 'r2', reason: 'MARKET_CLOSED: the market is closed: the order was not placed (cTrader: market is closed)' });
    s.fake.faults.marketClosed = false;
    s.broker.submit(intent('r3', { volumeUnits: 100_000_000 }));
    await until(() => s.events.filter((e) => e.type === 'order.rejected').length === 3, 'no money');
    expect(s.events.at(-1)!.payload).toMatchObject({ clientOrderId: 'r3', reason: expect.stringMatching(/^NOT_ENOUGH_MONEY/) });
    expect(s.broker.hasPendingOrder('a1', 'EURUSD')).toBe(false);
  });

  it('counts duplicated execution events once', async () => {
    const s = await setup();
    s.fake.faults.duplicateEvents = true;
    s.broker.submit(intent('d1'));
    await until(() => s.broker.positions().length === 1, 'fill');
    s.broker.closePosition('d1', 'manual', 'd1-close');
    await until(() => s.broker.positions().length === 0, 'close');
    await sleep(20);
    expect(types(s)).toEqual(['order.accepted', 'order.filled', 'position.opened', 'order.accepted', 'order.filled', 'position.closed']);
    expect(s.events.at(-1)!.payload).toMatchObject({ positionId: 'd1', reason: 'manual' });
  });

  it('reports partial fills as one fill of the total when the order completes', async () => {
    const s = await setup();
    s.fake.faults.partialFills = 3;
    s.broker.submit(intent('p1', { volumeUnits: 30_000 }));
    await until(() => s.events.some((e) => e.type === 'position.opened'), 'fill');
    expect(types(s)).toEqual(['order.accepted', 'order.filled', 'position.opened']);
    expect(s.events[1].payload).toMatchObject({ volumeUnits: 30_000 });
    expect(s.fake.deals.filter((d) => d.orderId === s.fake.deals[0].orderId)).toHaveLength(3);
  });

  it('amends stop and target (trailing) and keeps the position when the broker refuses bad stops', async () => {
    const s = await setup();
    s.broker.submit(intent('t1'));
    await until(() => s.broker.positions().length === 1, 'fill');
    s.broker.amendPosition('t1', 1.0995, 1.105, 'trailing 3 x ATR');
    await until(() => s.events.some((e) => e.type === 'position.amended'), 'amend');
    expect(s.events.at(-1)!.payload).toMatchObject({ stopLoss: 1.0995, takeProfit: 1.105, previousStopLoss: 1.09802, why: 'trailing 3 x ATR' });
    s.broker.amendPosition('t1', 1.2, 1.105, 'bad');
    await until(() => s.logs.some((l) => l.includes('TRADING_BAD_STOPS')), 'refusal');
    expect(s.broker.positions()[0].stopLoss).toBe(1.0995);
    expect(s.fake.openPositions()[0]).toMatchObject({ volume: 1_000_000 });
  });
});

describe('CTraderBroker: lost answers and reconcile', () => {
  it('an order whose execution was lost with the connection is settled as filled by reconcile, never resent', async () => {
    const s = await setup();
    s.fake.faults.dropOn = { name: 'ProtoOANewOrderReq', at: 'after-accept' };
    s.broker.submit(intent('u1'));
    await until(() => s.broker.stats.settledFilled === 1, 'reconcile');
    expect(s.broker.positions().map((p) => p.id)).toEqual(['u1']);
    expect(types(s)).toEqual(['order.accepted', 'order.filled', 'position.opened']);
    expect(ordersOf(s.fake, 'u1')).toBe(1);
    expect(s.conn.stats.connects).toBe(2);
  });

  it('an order that never reached the server is rejected as not received, and not resent', async () => {
    const s = await setup();
    s.fake.faults.dropOn = { name: 'ProtoOANewOrderReq', at: 'before' };
    s.broker.submit(intent('u2'));
    await until(() => s.events.some((e) => e.type === 'order.rejected'), 'reconcile');
    expect(s.events.at(-1)!.payload).toMatchObject({ clientOrderId: 'u2', reason: NOT_RECEIVED });
    expect(ordersOf(s.fake, 'u2')).toBe(1);
    expect(s.fake.openPositions()).toHaveLength(0);
  });

  it('a position stopped out while disconnected is closed from the deal history', async () => {
    const s = await setup();
    s.broker.submit(intent('w1'));
    await until(() => s.broker.positions().length === 1, 'fill');
    s.fake.faults.refuse = true;
    s.fake.dropAll();
    s.fake.tick('EURUSD', T0 + 5000, 1.097, 0.00002);
    expect(s.fake.openPositions()).toHaveLength(0);
    await sleep(30);
    s.fake.faults.refuse = false;
    await until(() => s.broker.positions().length === 0, 'reconcile');
    const closed = s.events.at(-1)!;
    expect(closed.type).toBe('position.closed');
    expect(closed.payload).toMatchObject({ positionId: 'w1', reason: 'stop', exitPrice: 1.097 });
    expect(s.broker.account().balanceCents).toBe(s.fake.balance);
    expect(s.broker.stats.closedWhileAway).toBe(1);
  });

  it('keeps retrying with backoff, alerts after 5 quick retries, and comes back', async () => {
    const s = await setup();
    s.fake.faults.refuse = true;
    s.fake.dropAll();
    await until(() => s.alerts.length > 0, 'the alert', 3000);
    expect(s.alerts[0]).toMatch(/cannot reach or keep a connection to cTrader after 5 quick retries .* still retrying every 0.08 s/);
    s.fake.faults.refuse = false;
    await until(() => s.conn.ready, 'reconnect');
    s.broker.submit(intent('b1'));
    await until(() => s.broker.positions().length === 1, 'fill after reconnect');
  });
});
