import { afterEach, describe, expect, it } from 'vitest';
import type { IbkrClient } from '../../workers/brokers/ibkr/client.ts';
import { averagePrice, noFills } from '../../workers/brokers/ibkr/book.ts';
import type { FakeTws } from './fake-tws.ts';
import { until } from './helpers.ts';
import { MIN, T0, brokerOnFake, intent } from './broker-setup.ts';

/** Bugs the randomized fault runs (fault-runs.test.ts) found, each pinned by the smallest script that shows it. */
let fake: FakeTws | null = null;
const clients: IbkrClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  await fake?.close();
});

const ES_LONG = 'a1:ES:1704205800000:E';
const ES_SHORT = 'a2:ES:1704205800001:E';
const GOOG = 'a1:GOOG:1704205800000:E';

describe('found by the fault runs', () => {
  it('seed 16089: two agents long and short one ES each (IB nets them to no position) are not booked closed on reconnecting', async () => {
    const h = await brokerOnFake();
    fake = h.fake;
    clients.push(h.client);
    await h.client.start();
    h.broker.submit(intent({ clientOrderId: ES_LONG, agentId: 'a1', symbol: 'ES', side: 1, volumeUnits: 50, stopDistance: null, targetDistance: 10 }));
    h.broker.submit(intent({ clientOrderId: ES_SHORT, agentId: 'a2', symbol: 'ES', side: -1, volumeUnits: 50, stopDistance: 10, targetDistance: 10 }));
    await until(() => h.of('order.accepted').length === 2);
    h.time.advanceTo(T0 + 5 * MIN);
    h.fake.bar('ES', { time: T0 + 5 * MIN, open: 4701, high: 4702, low: 4699, close: 4700 });
    await until(() => h.of('position.opened').length === 2);
    expect([...h.fake.orders.positions.values()].map((p) => p.qty)).toEqual([0]);

    h.fake.dropConnection();
    await until(() => h.client.health().state === 'reconnecting');
    h.time.advanceTo(h.time.nextDue()!);
    await until(() => h.of('risk.notice').length === 1);
    expect(h.of('position.closed')).toEqual([]);
    expect(h.broker.positions().map((p) => p.id)).toEqual([ES_LONG, ES_SHORT]);
    expect(h.broker.lastReconcile).toMatchObject({ positions: 2, foreign: [] });
  });

  it('seed 16011: after a restart of TradeGuard an entry still working at IB is taken over, not adopted as a position because IB holds another in the contract; its fill opens it with the children where IB holds them', async () => {
    const first = await brokerOnFake();
    fake = first.fake;
    clients.push(first.client);
    await first.client.start();
    first.broker.submit(intent({ clientOrderId: ES_LONG, agentId: 'a1', symbol: 'ES', side: 1, volumeUnits: 50, stopDistance: 10, targetDistance: 20 }));
    await until(() => first.of('order.accepted').length === 1);
    first.time.advanceTo(T0 + 5 * MIN);
    first.fake.bar('ES', { time: T0 + 5 * MIN, open: 4701, high: 4702, low: 4699, close: 4700 });
    await until(() => first.broker.positions().length === 1 && first.fake.orders.orders.get(102)?.aux === 4691);
    // a2's short entry is sent, and TradeGuard stops before it fills.
    first.broker.submit(intent({ clientOrderId: ES_SHORT, agentId: 'a2', symbol: 'ES', side: -1, volumeUnits: 50, stopDistance: 10, targetDistance: 20 }));
    await until(() => first.of('order.accepted').length === 2);
    first.client.stop();

    const second = await brokerOnFake({}, first.time, first.fake);
    clients.push(second.client);
    second.broker.expectOpen(first.broker.positions());
    await second.client.start();
    expect(second.broker.positions().map((p) => p.id)).toEqual([ES_LONG]);
    expect(second.broker.pendingOrders()).toEqual([{ clientOrderId: ES_SHORT, agentId: 'a2', symbol: 'ES', purpose: 'open', state: 'sent' }]);
    expect(second.logs).toContain(`info: entry ${ES_SHORT} found working at IB: taken over (its fill opens the position)`);

    second.fake.bar('ES', { time: T0 + 10 * MIN, open: 4702, high: 4703, low: 4701, close: 4702 });
    await until(() => second.of('position.opened').length === 1);
    // Priced from the mark 4700 by the first broker: stop 4710, target 4680; nothing moved, nothing cancelled.
    expect(second.of('position.opened')[0].payload).toMatchObject({ positionId: ES_SHORT, side: -1, entryPrice: 4702, stopLoss: 4710, takeProfit: 4680 });
    expect(second.fake.orders.working().map((o) => o.orderRef).sort()).toEqual([`${ES_LONG}:sl`, `${ES_LONG}:tp`, `${ES_SHORT}:sl`, `${ES_SHORT}:tp`]);
    expect(second.broker.positions().map((p) => p.id)).toEqual([ES_LONG, ES_SHORT]);
  });

  it('seed 16143: a close sent just before a restart of TradeGuard and still working at IB is taken over: no second close goes, and its fill closes the position once', async () => {
    const first = await brokerOnFake();
    fake = first.fake;
    clients.push(first.client);
    await first.client.start();
    first.broker.submit(intent());
    await until(() => first.of('order.accepted').length === 1);
    first.time.advanceTo(T0 + 5 * MIN);
    first.fake.bar('GOOG', { time: T0 + 5 * MIN, open: 140.5, high: 141, low: 140.2, close: 140.8 });
    await until(() => first.broker.positions().length === 1 && first.fake.orders.orders.get(102)?.aux === 138.5);
    const close = 'a1:GOOG:1704206400000:M';
    first.broker.closePosition(GOOG, 'manual', close);
    await until(() => first.placed().some((r) => r.fields[26] === close));
    first.client.stop();

    const second = await brokerOnFake({}, first.time, first.fake);
    clients.push(second.client);
    second.broker.expectOpen(first.broker.positions());
    await second.client.start();
    expect(second.logs).toContain(`info: close ${close} of position ${GOOG} found working at IB: taken over`);
    second.broker.closePosition(GOOG, 'manual', 'a1:GOOG:1704206500000:M');
    expect(second.of('order.rejected').map((e) => (e.payload as { reason: string }).reason)).toEqual([`position ${GOOG} is already being closed (order ${close})`]);
    second.fake.bar('GOOG', { time: T0 + 15 * MIN, open: 141, high: 141.2, low: 140.9, close: 141.1 });
    await until(() => second.of('position.closed').length === 1);
    expect(second.of('position.closed')[0].payload).toMatchObject({ positionId: GOOG, reason: 'manual', exitPrice: 141, commissionCents: 200 });
    expect([...second.fake.orders.positions.values()].map((p) => p.qty)).toEqual([0]);
  });

  it('seed 16105: IB nets +19 -8 -4 to +7; with the -4 guarded by its stop, the +19 and -8 (no stop, a close working) are both kept', async () => {
    const h = await brokerOnFake();
    fake = h.fake;
    clients.push(h.client);
    await h.client.start();
    const ids = ['a1:GOOG:1704205800000:E', 'a2:GOOG:1704205800000:E', 'a3:GOOG:1704205800000:E'];
    h.broker.submit(intent({ clientOrderId: ids[0], agentId: 'a1', volumeUnits: 19, stopDistance: null, targetDistance: null }));
    h.broker.submit(intent({ clientOrderId: ids[1], agentId: 'a2', side: -1, volumeUnits: 8, stopDistance: null, targetDistance: null }));
    h.broker.submit(intent({ clientOrderId: ids[2], agentId: 'a3', side: -1, volumeUnits: 4 }));
    await until(() => h.of('order.accepted').length === 3);
    h.time.advanceTo(T0 + 5 * MIN);
    h.fake.bar('GOOG', { time: T0 + 5 * MIN, open: 140.5, high: 141, low: 140.2, close: 140.8 });
    await until(() => h.broker.positions().length === 3);
    expect([...h.fake.orders.positions.values()].map((p) => p.qty)).toEqual([7]);
    h.fake.dropConnection();
    await until(() => h.client.health().state === 'reconnecting');
    h.time.advanceTo(h.time.nextDue()!);
    await until(() => h.of('risk.notice').length === 1);
    expect(h.of('position.closed')).toEqual([]);
    expect(h.broker.positions().map((p) => p.id)).toEqual(ids);
  });

  it('seed 16011: an entry without stop or target sent before a restart of TradeGuard and filled while it was down is found by its execution: taken over, unprotected, said so', async () => {
    const first = await brokerOnFake();
    fake = first.fake;
    clients.push(first.client);
    await first.client.start();
    first.broker.submit(intent({ stopDistance: null, targetDistance: null }));
    await until(() => first.of('order.accepted').length === 1);
    first.client.stop();
    first.fake.bar('GOOG', { time: T0 + 5 * MIN, open: 140.5, high: 141, low: 140.2, close: 140.8 });

    const second = await brokerOnFake({}, first.time, first.fake);
    clients.push(second.client);
    await second.client.start();
    expect(second.of('position.opened').map((e) => e.payload)).toEqual([{ positionId: GOOG, symbol: 'GOOG', side: 1, volumeUnits: 10, entryPrice: 140.5, stopLoss: null, takeProfit: null, commissionCents: 100, entryTime: T0 + 5 * MIN }]);
    expect(second.broker.lastReconcile).toMatchObject({ adopted: [GOOG], foreign: [] });
    expect(second.logs).toContain(`warn: position ${GOOG} (GOOG) filled at IB while TradeGuard was away and has no stop or target there: taken over, unprotected`);
  });

  it("seeds 17044/17101: the agent's next entry (the other way) or another close is not taken as the close of a position the record holds open; its stop closes it, the entry opens its own", async () => {
    const first = await brokerOnFake();
    fake = first.fake;
    clients.push(first.client);
    await first.client.start();
    first.broker.submit(intent());
    await until(() => first.of('order.accepted').length === 1);
    first.time.advanceTo(T0 + 5 * MIN);
    first.fake.bar('GOOG', { time: T0 + 5 * MIN, open: 140.5, high: 141, low: 140.2, close: 140.8 });
    await until(() => first.broker.positions().length === 1 && first.fake.orders.orders.get(102)?.aux === 138.5);
    const recorded = first.broker.positions().map((p) => ({ ...p }));
    // The stop fills while TradeGuard is still up but the record is all the next one gets; then a short entry of the same agent and size.
    first.fake.bar('GOOG', { time: T0 + 10 * MIN, open: 139, high: 139.1, low: 138.2, close: 138.4 });
    await until(() => first.of('position.closed').length === 1);
    const short = 'a1:GOOG:1704206700000:E';
    first.broker.submit(intent({ clientOrderId: short, side: -1 }));
    await until(() => first.of('order.accepted').length === 2);
    first.time.advanceTo(T0 + 15 * MIN);
    first.fake.bar('GOOG', { time: T0 + 15 * MIN, open: 138.4, high: 138.6, low: 138.1, close: 138.3 });
    await until(() => first.of('position.opened').length === 2);
    first.client.stop();

    const second = await brokerOnFake({}, first.time, first.fake);
    clients.push(second.client);
    second.broker.expectOpen(recorded);
    await second.client.start();
    expect(second.of('position.closed').map((e) => e.payload)).toMatchObject([{ positionId: GOOG, reason: 'stop', exitPrice: 138.5 }]);
    expect(second.of('order.filled')).toEqual([]);
    expect(second.broker.positions().map((p) => [p.id, p.side, p.volumeUnits])).toEqual([[short, -1, 10]]);
  });
});

describe('found reading fills.ts beside the fault runs', () => {
  it('a stop whose commission report never comes is booked after the same 5 s wait as an entry, without it, and said so (it stayed open for ever)', async () => {
    const h = await brokerOnFake({ orders: { marketFillPrice: 140 } });
    fake = h.fake;
    clients.push(h.client);
    await h.client.start();
    h.broker.submit(intent());
    await until(() => h.broker.positions().length === 1 && h.fake.orders.working().length === 2);
    h.fake.orders.o.withholdCommissions = true;
    h.time.advanceTo(T0 + 5 * MIN);
    h.fake.bar('GOOG', { time: T0 + 5 * MIN, open: 139, high: 139.1, low: 137.5, close: 137.8 });
    await until(() => h.fake.orders.fills.length === 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.of('position.closed')).toEqual([]);
    h.time.advanceTo(T0 + 5 * MIN + 5000);
    await until(() => h.of('position.closed').length === 1);
    expect(h.of('position.closed')[0].payload).toMatchObject({ positionId: GOOG, reason: 'stop', exitPrice: 138, exitTime: T0 + 5 * MIN, commissionCents: 100 });
    expect(h.logs).toContain(`warn: stop of ${GOOG}: IB sent no commission report within 5 s; booked without it`);
  });
});

describe('found by the fault runs checking exit prices and times against IB fills', () => {
  it('seed 16189: one execution (or several at one price) is booked at IB price exactly, not 4000 x 1.1006 / 4000 = 1.1005999999999998; different prices weighted by shares', () => {
    const one = noFills();
    one.byExec.set('e1', { shares: 4_000, price: 1.1006, time: 0 });
    expect((4_000 * 1.1006) / 4_000).not.toBe(1.1006);
    expect(averagePrice(one)).toBe(1.1006);
    one.byExec.set('e2', { shares: 5_000, price: 1.1006, time: 0 });
    expect(averagePrice(one)).toBe(1.1006);
    const two = noFills();
    two.byExec.set('e1', { shares: 30, price: 140, time: 0 });
    two.byExec.set('e2', { shares: 10, price: 142, time: 0 });
    expect(averagePrice(two)).toBe(140.5);
  });
});
