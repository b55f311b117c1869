import { afterEach, describe, expect, it } from 'vitest';
import type { IbkrClient } from '../../workers/brokers/ibkr/client.ts';
import type { Position } from '../../workers/trading/orders.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { PaperBroker } from '../../workers/brokers/paper/paper-broker.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { LiveHost, type LiveMarket } from '../../workers/host/live-host.ts';
import { loadModelNode } from '../../relay/host/node-host.ts';
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
const goog = CONTRACTS.find((c) => c.symbol === 'GOOG')!;

/** What the engine's store gives back: the plain Position, nothing of the broker's memory. */
const asRecorded = (p: Position): Position => ({ id: p.id, agentId: p.agentId, symbol: p.symbol, side: p.side, volumeUnits: p.volumeUnits, entryPrice: p.entryPrice, entryTime: p.entryTime, stopLoss: p.stopLoss, takeProfit: p.takeProfit, entryCommissionCents: p.entryCommissionCents });

/** TradeGuard with two positions at the fake (GOOG long 10 from 140.5, stop 138.5, target 145.5; ES short 1 from 4701, stop 4711, target 4681), then stopped. */
async function twoPositionsThenDown() {
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
  await until(() => h.fake.orders.orders.get(102)?.aux === 138.5 && h.fake.orders.orders.get(105)?.aux === 4711 && h.broker.positions().length === 2);
  return { ...h, recorded: h.broker.positions().map(asRecorded) };
}

/** A new broker (TradeGuard restarted) told what the record holds open, then connected. */
async function restarted(first: Awaited<ReturnType<typeof twoPositionsThenDown>>, expected: readonly Position[]) {
  const second = await brokerOnFake({}, first.time, first.fake);
  clients.push(second.client);
  second.broker.expectOpen(expected);
  await second.client.start();
  return second;
}

describe('positions the record holds open after a restart of TradeGuard', () => {
  it('a stop that filled while TradeGuard was down closes its position (stop, its price, time and both commissions); the other is kept with its levels as IB holds them, nothing opened again', async () => {
    const first = await twoPositionsThenDown();
    first.client.stop();
    // While down: GOOG's stop fills; ES's stop is moved in TWS by hand.
    first.fake.bar('GOOG', { time: T0 + 20 * MIN, open: 139, high: 139.1, low: 138.2, close: 138.4 });
    first.fake.orders.orders.get(105)!.aux = 4709;
    first.time.advanceTo(T0 + 60 * MIN);
    const sentBefore = first.placed().length;

    const second = await restarted(first, first.recorded);
    expect(second.of('position.closed').map((e) => e.payload)).toEqual([
      { positionId: GOOG, symbol: 'GOOG', side: 1, volumeUnits: 10, entryPrice: 140.5, entryTime: T0 + 5 * MIN, exitPrice: 138.5, exitTime: T0 + 20 * MIN, reason: 'stop', grossPnlCents: -2000, commissionCents: 200, netPnlCents: -2200 },
    ]);
    expect(second.of('position.opened')).toEqual([]);
    expect(second.of('position.amended').map((e) => e.payload)).toEqual([{ positionId: ES, symbol: 'ES', stopLoss: 4709, takeProfit: 4681, previousStopLoss: 4711, previousTakeProfit: 4681, why: 'as IB holds them (found on restarting)' }]);
    expect(second.broker.lastReconcile).toMatchObject({ fromRecord: { kept: [ES], closed: [GOOG] }, adopted: [], foreign: [] });
    expect(second.broker.positions().map((p) => [p.id, p.entryPrice, p.entryTime, p.stopLoss, p.takeProfit])).toEqual([[ES, 4701, T0 + 5 * MIN, 4709, 4681]]);
    // Nothing sent to IB by the restart.
    expect(second.placed()).toHaveLength(sentBefore);

    // The kept position still closes live, with its entry commission from the record.
    second.fake.bar('ES', { time: T0 + 70 * MIN, open: 4690, high: 4691, low: 4680, close: 4680.5 });
    await until(() => second.of('position.closed').length === 2);
    expect(second.of('position.closed')[1].payload).toMatchObject({ positionId: ES, reason: 'target', exitPrice: 4681, grossPnlCents: 20 * 50 * 100, commissionCents: 200 });
  });

  it('a target that filled while down closes with reason target', async () => {
    const first = await twoPositionsThenDown();
    first.client.stop();
    first.fake.bar('GOOG', { time: T0 + 20 * MIN, open: 145, high: 146, low: 144.9, close: 145.8 });
    const second = await restarted(first, first.recorded);
    expect(second.of('position.closed').map((e) => e.payload)).toMatchObject([{ positionId: GOOG, reason: 'target', exitPrice: 145.5, exitTime: T0 + 20 * MIN, grossPnlCents: 5000, commissionCents: 200 }]);
    expect(second.broker.positions().map((p) => p.id)).toEqual([ES]);
  });

  it('a close order sent just before the shutdown and filled while down: closed with its own reason (manual), price, time and commission; order.filled once', async () => {
    const first = await twoPositionsThenDown();
    const close = 'a1:GOOG:1704206400000:M';
    first.broker.closePosition(GOOG, 'manual', close);
    await until(() => first.placed().some((r) => r.fields[26] === close));
    first.client.stop();
    first.fake.bar('GOOG', { time: T0 + 20 * MIN, open: 141.25, high: 141.5, low: 141, close: 141.2 });
    expect(first.fake.orders.fills.map((f) => f.order.orderRef)).toContain(close);

    const second = await restarted(first, first.recorded);
    expect(second.of('order.filled').map((e) => e.payload)).toEqual([{ clientOrderId: close, symbol: 'GOOG', side: -1, volumeUnits: 10, price: 141.25, commissionCents: 100 }]);
    expect(second.of('position.closed').map((e) => e.payload)).toMatchObject([{ positionId: GOOG, reason: 'manual', exitPrice: 141.25, exitTime: T0 + 20 * MIN, grossPnlCents: 750, commissionCents: 200 }]);
    expect(second.broker.lastReconcile).toMatchObject({ fromRecord: { kept: [ES], closed: [GOOG] } });
    expect(second.broker.pendingOrders()).toEqual([]);
  });

  it('gone at IB with no execution (closed in TWS by hand): closed at the last price with reason manual, and a notice in words', async () => {
    const first = await twoPositionsThenDown();
    first.client.stop();
    // Someone flattens GOOG in TWS outside TradeGuard: its children cancelled, no position, no execution of ours.
    first.fake.orders.positions.delete(goog.conId);
    for (const id of [101, 102]) first.fake.orders.orders.get(id)!.status = 'Cancelled';

    const second = await restarted(first, first.recorded);
    expect(second.of('position.closed').map((e) => e.payload)).toMatchObject([{ positionId: GOOG, reason: 'manual', exitPrice: 140, grossPnlCents: -500, commissionCents: 100 }]);
    const notice = second.of('risk.notice');
    expect(notice).toHaveLength(1);
    expect(notice[0]).toMatchObject({ agentId: 'a1', payload: { code: 'position-gone-at-broker', message: `GOOG long ${GOOG} of agent a1 is no longer open at IB and no execution of TradeGuard's closed it (closed in TWS, or by IB): booked closed at the last price 140 with reason manual; check the trade in TWS` } });
    expect(second.broker.positions().map((p) => p.id)).toEqual([ES]);
  });

  it("a position the record holds open whose children are gone but IB still holds it: kept, its levels cleared, said unprotected; a symbol not resolved stays as recorded", async () => {
    const first = await twoPositionsThenDown();
    first.client.stop();
    for (const id of [101, 102]) first.fake.orders.orders.get(id)!.status = 'Cancelled';
    const unknown: Position = { ...first.recorded[0], id: 'a3:MSFT:1704205800000:E', agentId: 'a3', symbol: 'MSFT' };
    const second = await restarted(first, [...first.recorded, unknown]);
    expect(second.of('position.closed')).toEqual([]);
    expect(second.of('position.amended').map((e) => e.payload)).toMatchObject([{ positionId: GOOG, stopLoss: null, takeProfit: null, previousStopLoss: 138.5, previousTakeProfit: 145.5 }]);
    expect(second.logs).toContain(`warn: position ${GOOG} (GOOG) is open at IB with no stop or target working: it is kept, unprotected`);
    expect(second.logs).toContain('warn: position a3:MSFT:1704205800000:E (MSFT) that the record holds open cannot be checked at IB: MSFT is not resolved at IB: no contract for it; it stays as the record has it');
    expect(second.broker.positions().map((p) => p.id)).toEqual([GOOG, ES]);
  });
});

describe('the live host tells the market what the record holds open', () => {
  it("before connecting, the live agents' open positions as the record has them (latest stop and target); paper agents' are not the broker's", async () => {
    const store = createMemoryStore();
    const clock = { t: T0 };
    const calls: string[] = [];
    const told: Position[][] = [];
    const broker = new PaperBroker({ initialCash: 10_000, leverage: 30, costs: DEMO_ACCOUNT.costs, instrument: (s) => KNOWN_INSTRUMENTS[s], now: () => clock.t }, () => {});
    let end = () => {};
    const feed = { run: () => new Promise<void>((r) => (end = r)), stop: () => end() };
    const market = (): LiveMarket => ({
      name: 'test account',
      broker,
      feed,
      subscriptions: [{ symbol: 'EURUSD', timeframe: 'H1' }],
      instrument: (x) => KNOWN_INSTRUMENTS[x],
      expectOpen: (positions) => void (calls.push('expectOpen'), told.push([...positions])),
      connect: async () => void calls.push('connect'),
      disconnect: () => {},
      status: () => ({ connected: true, lastHeartbeat: clock.t }),
    });
    const first = await LiveHost.open({ store, wallClock: { now: () => clock.t }, owner: 'relay', loadModel: loadModelNode, market });
    await first.start();
    await first.command({ kind: 'agent.create', config: { ...DEMO_AGENT, id: 'live-1' } });
    await first.command({ kind: 'agent.create', config: { ...DEMO_AGENT, id: 'paper-1', mode: 'paper' as const } });
    await first.stop();
    const opened = (agentId: string, positionId: string, side: 1 | -1) => ({ id: `pos:open:${positionId}`, type: 'position.opened' as const, agentId, time: T0, payload: { positionId, symbol: 'EURUSD', side, volumeUnits: 10_000, entryPrice: 1.1, stopLoss: 1.09, takeProfit: 1.12, commissionCents: 30, entryTime: T0 - MIN } });
    await store.events.append([opened('live-1', 'live-1:EURUSD:1:E', 1), opened('paper-1', 'paper-1:EURUSD:1:E', -1)]);
    await store.events.append([{ id: 'pos:amend:live-1:EURUSD:1:E:1:1', type: 'position.amended', agentId: 'live-1', time: T0 + 1, payload: { positionId: 'live-1:EURUSD:1:E', symbol: 'EURUSD', stopLoss: 1.095, takeProfit: 1.12, previousStopLoss: 1.09, previousTakeProfit: 1.12, why: 'trailing stop' } }]);
    calls.length = 0;
    told.length = 0;

    const second = await LiveHost.open({ store, wallClock: { now: () => clock.t }, owner: 'relay', loadModel: loadModelNode, market });
    await second.start();
    expect(calls.slice(0, 2)).toEqual(['expectOpen', 'connect']);
    expect(told).toEqual([[{ id: 'live-1:EURUSD:1:E', agentId: 'live-1', symbol: 'EURUSD', side: 1, volumeUnits: 10_000, entryPrice: 1.1, entryTime: T0 - MIN, stopLoss: 1.095, takeProfit: 1.12, entryCommissionCents: 30 }]]);
    await second.stop();
  });
});
