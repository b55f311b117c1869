import { afterEach, describe, expect, it } from 'vitest';
import type { IbkrClient } from '../../workers/brokers/ibkr/client.ts';
import { ManualTime } from '../ctrader/helpers.ts';
import { CONTRACTS } from './fake-market.ts';
import type { FakeTws } from './fake-tws.ts';
import { until } from './helpers.ts';
import { MIN, T0, brokerOnFake, intent } from './broker-setup.ts';

let fake: FakeTws | null = null;
const clients: IbkrClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  await fake?.close();
});

const GOOG = 'a1:GOOG:1704205800000:E';
const ES = 'a2:ES:1704205800000:E';
const ids = (events: { id: string }[]) => events.map((e) => e.id);

/** Two positions with their brackets working at the fake: GOOG long 10 from 140.5, ES short 1 from 4701. */
async function twoPositions() {
  const h = await brokerOnFake();
  fake = h.fake;
  clients.push(h.client);
  await h.client.start();
  h.broker.submit(intent());
  h.broker.submit(intent({ clientOrderId: ES, agentId: 'a2', symbol: 'ES', side: -1, volumeUnits: 50, stopDistance: 10, targetDistance: 20 }));
  await until(() => h.of('order.accepted').length === 2);
  h.time.advanceTo(T0 + 5 * MIN);
  h.fake.bar('GOOG', { time: T0 + 5 * MIN, open: 140.5, high: 141, low: 140.2, close: 140.8 });
  h.fake.bar('ES', { time: T0 + 5 * MIN, open: 4701, high: 4702, low: 4699, close: 4700 });
  await until(() => h.of('position.opened').length === 2 && h.fake.orders.modified.length === 4);
  await until(() => h.broker.positions().every((p) => p.stopLoss !== null) && h.fake.orders.orders.get(105)?.aux === 4711);
  return h;
}

describe('a gateway restart in the middle of the day', () => {
  it('reconnects with backoff, books the stop that filled while away once, keeps the other bracket, and says so in ONE notice; nothing doubled, nothing re-sent', async () => {
    const h = await twoPositions();
    const { broker, time, logs, of, events, placed } = h;
    const sentBefore = placed().length;
    time.advanceTo(T0 + 10 * MIN);
    h.fake.restart();
    await until(() => h.client.health().state === 'reconnecting');
    const downSince = h.client.health().downSince!;
    // A bar while TradeGuard is away: GOOG's stop (138.5) fills at the fake.
    h.fake.bar('GOOG', { time: T0 + 11 * MIN, open: 139, high: 139.1, low: 138.2, close: 138.4 });
    const failures = () => logs.filter((l) => l.includes('next attempt in')).length;
    const delays: number[] = [];
    for (let i = 1; ; i++) {
      await until(() => failures() === i);
      const due = time.nextDue()!;
      delays.push(due - time.now());
      if (due - downSince >= 2 * MIN) h.fake.accept();
      time.advanceTo(due);
      if (due - downSince >= 2 * MIN) break;
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000]);
    await until(() => of('risk.notice').length === 1);
    await until(() => of('position.closed').length === 1);

    expect(of('position.closed')[0]).toMatchObject({ id: `pos:close:${GOOG}`, payload: { reason: 'stop', exitPrice: 138.5, exitTime: T0 + 11 * MIN, grossPnlCents: -2000, commissionCents: 200 } });
    expect(of('risk.notice')[0]).toMatchObject({ type: 'risk.notice', agentId: '', payload: { code: 'broker-reconnected', message: 'IB connection restored after 2 min 3 s: 1 position, 2 working orders, 1 fill while away reconciled' } });
    expect(broker.positions().map((p) => [p.id, p.stopLoss, p.takeProfit])).toEqual([[ES, 4711, 4681]]);
    expect(broker.unknownOrders()).toEqual([]);
    expect(broker.lastReconcile).toMatchObject({ fillsWhileAway: 1, positions: 1, workingOrders: 2, foreign: [] });
    // Nothing doubled: every event id once; nothing re-sent to IB.
    expect(new Set(ids(events)).size).toBe(events.length);
    expect(placed().length).toBe(sentBefore);
    expect(h.fake.orders.fills.map((f) => f.order.orderRef)).toEqual([GOOG, ES, `${GOOG}:sl`]);

    // The kept bracket still works live after the reconnect.
    h.fake.bar('ES', { time: T0 + 20 * MIN, open: 4690, high: 4691, low: 4680, close: 4680.5 });
    await until(() => of('position.closed').length === 2);
    expect(of('position.closed')[1].payload).toMatchObject({ positionId: ES, reason: 'target', exitPrice: 4681 });
    expect(new Set(ids(events)).size).toBe(events.length);
    expect(of('risk.notice')).toHaveLength(1);
  });

  it('an entry whose answer was lost with the connection: unknown, then found filled on reconnecting (the same events as live), never re-sent', async () => {
    const time = new ManualTime(T0);
    const h = await brokerOnFake({ dropAfterTransmit: true }, time);
    fake = h.fake;
    clients.push(h.client);
    await h.client.start();
    h.broker.submit(intent());
    await until(() => h.client.health().state === 'reconnecting');
    expect(h.broker.unknownOrders()).toEqual([GOOG]);
    h.fake.o.dropAfterTransmit = false;
    h.fake.bar('GOOG', { time: T0 + 5 * MIN, open: 140.5, high: 141, low: 140.2, close: 140.8 });
    time.advanceTo(time.nextDue()!);
    await until(() => h.of('risk.notice').length === 1);
    expect(h.of('position.opened')[0].payload).toMatchObject({ positionId: GOOG, entryPrice: 140.5, stopLoss: 138.5, takeProfit: 145.5 });
    expect(h.of('order.filled')[0].payload).toMatchObject({ clientOrderId: GOOG, price: 140.5, commissionCents: 100 });
    expect((h.of('risk.notice')[0].payload as { message: string }).message).toMatch(/^IB connection restored after 1 s: 1 position, 2 working orders, 1 fill while away reconciled; order a1:GOOG:1704205800000:E filled$/);
    expect(h.broker.unknownOrders()).toEqual([]);
    expect(h.placed().filter((r) => r.fields[26] === GOOG)).toHaveLength(1);
  });
});

describe('a restart of TradeGuard', () => {
  it("a new broker with an empty memory adopts our position from IB's open orders (same event id), leaves a foreign position alone, and books its stop later", async () => {
    const first = await twoPositions();
    const opened = first.of('position.opened').find((e) => e.id === `pos:open:${GOOG}`)!;
    first.client.stop();
    const es = CONTRACTS.find((c) => c.symbol === 'ES')!;
    // ES: ours is short 1; someone else's long 3 on top makes IB's position +2.
    const p = first.fake.orders.positions.get(es.conId)!;
    p.qty += 3;

    const second = await brokerOnFake({}, first.time, first.fake);
    clients.push(second.client);
    await second.client.start();
    expect(second.of('position.opened').map((e) => e.id).sort()).toEqual([`pos:open:${GOOG}`, `pos:open:${ES}`]);
    const again = second.of('position.opened').find((e) => e.id === `pos:open:${GOOG}`)!;
    expect(again.payload).toEqual(opened.payload);
    expect(second.of('risk.notice')).toEqual([]);
    expect(second.broker.lastReconcile).toMatchObject({ adopted: [GOOG, ES], foreign: [{ symbol: 'ES', conId: es.conId, position: 3 }] });
    expect(second.broker.positions().map((x) => [x.id, x.agentId, x.side, x.volumeUnits, x.stopLoss, x.takeProfit])).toEqual([
      [GOOG, 'a1', 1, 10, 138.5, 145.5],
      [ES, 'a2', -1, 50, 4711, 4681],
    ]);

    // Its stop, moved by the new broker, then hit.
    second.broker.amendPosition(GOOG, 139, 145.5, 'trailing stop');
    await until(() => second.of('position.amended').length === 1);
    second.fake.bar('GOOG', { time: T0 + 30 * MIN, open: 139.5, high: 139.6, low: 138.9, close: 139 });
    await until(() => second.of('position.closed').length === 1);
    expect(second.of('position.closed')[0].payload).toMatchObject({ positionId: GOOG, reason: 'stop', entryPrice: 140.5, exitPrice: 139, grossPnlCents: -1500, commissionCents: 200 });
  });
});
