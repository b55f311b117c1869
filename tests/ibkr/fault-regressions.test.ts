import { afterEach, describe, expect, it } from 'vitest';
import type { IbkrClient } from '../../workers/brokers/ibkr/client.ts';
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
});
