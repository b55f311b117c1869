/**
 * The emergency stop against the fake cTrader server, through the engine that
 * runs it live: an entry accepted and not yet filled when the stop is pressed
 * (a MARKET order cTrader cannot cancel: its fill is closed at once), a stop
 * pressed while the connection is down (the closes wait, are sent once it is
 * back and reconciled, and each result is reported as it lands), an entry not
 * sent yet (dropped, never reaching cTrader), and a close whose answer was lost
 * (sent again, since the position is still open).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../workers/engine/engine.ts';
import { EventJournal } from '../../workers/engine/journal.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import type { OrderIntent } from '../../workers/trading/orders.ts';
import { listenTcp, type Listening } from './fake/listen.ts';
import { ManualTime, fakeServer, pump, quoteAll, sleep, startClient, until, type Client } from './helpers.ts';

const T0 = Date.UTC(2024, 0, 8, 10, 0);
let open: { l: Listening; c: Client }[] = [];
afterEach(async () => {
  for (const { l, c } of open) {
    c.conn.stop();
    await l.close();
  }
  open = [];
});

/**
 * The fake server, a connection, the broker and an engine over it with agents a1 (EURUSD) and a2
 * (GBPUSD). `manual`: the connection runs on the test's clock too, so a reconnect waits for it.
 */
async function setup(manual = false) {
  const time = new ManualTime(T0);
  const fake = fakeServer(() => time.now());
  quoteAll(fake, T0);
  const l = await listenTcp(fake);
  const journal = new EventJournal({ retain: true });
  const c = startClient(l.port, time, manual ? { clock: time, timers: time, backoffMs: [1000] } : {}, (e) => journal.append(e));
  open.push({ l, c });
  if (manual) {
    const up = c.conn.start();
    for (let i = 0; i < 200 && !c.conn.ready; i++) await pump(time);
    await up;
  } else await c.conn.start();
  const engine = new Engine({ clock: time, broker: c.broker, journal, instrument: (s) => c.symbols.instrument(s) });
  for (const [id, symbol] of [['a1', 'EURUSD'], ['a2', 'GBPUSD']]) engine.addAgent({ ...DEMO_AGENT, id, name: id, symbols: [symbol], timeframe: 'M1' });
  const events = () => journal.events as readonly EngineEvent[];
  const ofType = <T extends EngineEvent['type']>(type: T) => events().filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
  const sent = (name: string) => fake.received.filter((m) => m.name === name);
  return { ...c, time, fake, engine, journal, events, ofType, sent };
}

const intent = (id: string, o: Partial<OrderIntent> = {}): OrderIntent => ({ clientOrderId: id, agentId: 'a1', symbol: 'EURUSD', side: 1, volumeUnits: 10_000, stopDistance: 0.002, targetDistance: 0.004, decidedAt: T0, ...o });

/** Flat at both ends, nothing pending, the account and both agents halted. */
function leftNothing(s: Awaited<ReturnType<typeof setup>>): void {
  expect(s.broker.positions()).toEqual([]);
  expect(s.broker.pendingOrders()).toEqual([]);
  expect(s.fake.openPositions()).toEqual([]);
  expect(['account', 'a1', 'a2'].map((x) => s.engine.risk.stateOf(x).state)).toEqual(['halted', 'halted', 'halted']);
}

describe('emergency stop on cTrader', () => {
  it('an entry accepted and not yet filled: cTrader cannot cancel a market order, so its fill is closed at once; flat, nothing pending', async () => {
    const s = await setup();
    s.fake.faults.holdFills = true;
    s.broker.submit(intent('e1'));
    await until(() => s.ofType('order.accepted').length === 1, 'the acceptance');
    expect(s.broker.pendingOrders()).toEqual([{ clientOrderId: 'e1', agentId: 'a1', symbol: 'EURUSD', purpose: 'open', state: 'sent' }]);

    const plan = s.engine.emergencyStop();
    expect(plan.cancel.map((o) => o.clientOrderId)).toEqual(['e1']);
    expect(s.logs.some((l) => l.includes('order e1 cannot be cancelled at cTrader (a market order)'))).toBe(true);
    expect(s.fake.releaseFills()).toBe(1); // the fill lands after the stop
    await until(() => s.ofType('position.closed').length === 1 && s.broker.pendingOrders().length === 0, 'the late fill closed');

    const opened = s.ofType('position.opened');
    const notice = s.ofType('risk.notice');
    const closes = s.ofType('order.intent').filter((e) => e.payload.purpose === 'close');
    expect(opened.map((e) => e.payload.positionId)).toEqual(['e1']);
    expect(notice.map((e) => [e.payload.code, e.payload.clientOrderId])).toEqual([['late-fill-closed', 'e1']]);
    expect(closes.map((e) => [e.payload.positionId, e.payload.closeReason])).toEqual([['e1', 'emergency']]);
    expect(s.ofType('position.closed').map((e) => [e.payload.positionId, e.payload.reason])).toEqual([['e1', 'emergency']]);
    expect(s.events().indexOf(notice[0])).toBeGreaterThan(s.events().indexOf(opened[0]));
    expect(s.sent('ProtoOAClosePositionReq')).toHaveLength(1);
    expect(s.sent('ProtoOACancelOrderReq')).toHaveLength(0);
    leftNothing(s);
  });

  it('pressed while reconnecting: the closes wait, are sent once it is back and reconciled, and each result is reported as it lands', async () => {
    const s = await setup(true);
    s.broker.submit(intent('p1'));
    s.broker.submit(intent('p2', { agentId: 'a2', symbol: 'GBPUSD', side: -1, stopDistance: 0.002 }));
    for (let i = 0; i < 100 && s.broker.positions().length < 2; i++) await pump(s.time);
    expect(s.broker.positions().map((p) => p.id)).toEqual(['p1', 'p2']);
    const ct1 = s.broker.ctraderPositionId('p1');
    s.fake.dropAll();
    for (let i = 0; i < 100 && s.conn.state !== 'reconnecting'; i++) await sleep(2);
    expect(s.conn.state).toBe('reconnecting');

    const plan = s.engine.emergencyStop();
    expect(plan.close.map((p) => p.id)).toEqual(['p1', 'p2']);
    // Waiting, not refused: both closes are pending, not sent yet.
    expect(s.ofType('order.rejected')).toEqual([]);
    expect(s.broker.pendingOrders().map((o) => [o.positionId, o.purpose, o.state])).toEqual([['p1', 'close', 'queued'], ['p2', 'close', 'queued']]);
    // Pressed again: nothing new is asked for.
    const again = s.engine.emergencyStop();
    expect([again.cancel, again.close, again.halt]).toEqual([[], [], []]);
    expect(again.closing.map((p) => p.id)).toEqual(['p1', 'p2']);
    // While away, p2's stop is hit at cTrader (a short: the ask rises through it).
    s.fake.tick('GBPUSD', s.time.now() + 500, 1.3035, 0.00002);
    expect(s.fake.openPositions().map((p) => p.comment)).toEqual(['p1']);

    // Back: reconcile, then the closes that waited.
    s.time.advanceTo(s.time.now() + 1000);
    for (let i = 0; i < 200 && (s.broker.pendingOrders().length > 0 || !s.conn.ready); i++) await pump(s.time);
    const [c1, c2] = s.ofType('order.intent').filter((e) => e.payload.purpose === 'close').map((e) => e.payload.clientOrderId);
    // p1: closed by the close that waited. p2: closed by its stop while away; its close had nothing left to do.
    expect(s.ofType('position.closed').map((e) => [e.payload.positionId, e.payload.reason])).toEqual([['p2', 'stop'], ['p1', 'emergency']]);
    expect(s.ofType('order.filled').filter((e) => e.payload.clientOrderId === c1)).toHaveLength(1);
    expect(s.ofType('order.cancelled').map((e) => [e.payload.clientOrderId, e.payload.reason])).toEqual([[c2, 'not sent: the position closed at cTrader first (stop)']]);
    expect(s.ofType('order.rejected')).toEqual([]);
    // Each close reached cTrader once at most: p1's once, p2's never.
    expect(s.sent('ProtoOAClosePositionReq').map((m) => [m.payload.positionId, m.session])).toEqual([[ct1, 2]]);
    leftNothing(s);
  });

  it('an entry still waiting its turn to be sent is dropped (order.cancelled) and never reaches cTrader', async () => {
    const s = await setup(true);
    // cTrader says "too many requests, retry in 5 s": nothing more is sent until then.
    s.fake.faults.rateLimit = { name: 'ProtoOATraderReq', count: 1, retryAfterSec: 5 };
    const reconciled = s.broker.reconcile();
    for (let i = 0; i < 100 && !s.logs.some((l) => l.includes('rate-limited')); i++) await sleep(2);
    s.broker.submit(intent('q1'));
    expect(s.broker.pendingOrders()).toEqual([{ clientOrderId: 'q1', agentId: 'a1', symbol: 'EURUSD', purpose: 'open', state: 'queued' }]);

    const plan = s.engine.emergencyStop();
    expect(plan.cancel.map((o) => [o.clientOrderId, o.state])).toEqual([['q1', 'queued']]);
    expect(s.ofType('order.cancelled').map((e) => [e.payload.clientOrderId, e.payload.reason])).toEqual([['q1', 'emergency stop']]);
    expect(s.broker.pendingOrders()).toEqual([]);
    s.time.advanceTo(s.time.now() + 5000);
    await pump(s.time);
    await reconciled;
    expect(s.fake.newOrders()).toEqual([]);
    expect(s.ofType('order.rejected')).toEqual([]);
    leftNothing(s);
  });

  it('a close whose answer was lost with the connection is sent again after reconcile, the position being still open', async () => {
    const s = await setup(true);
    s.broker.submit(intent('r1'));
    for (let i = 0; i < 100 && s.broker.positions().length < 1; i++) await pump(s.time);
    s.fake.faults.dropOn = { name: 'ProtoOAClosePositionReq', at: 'before' };
    s.engine.emergencyStop();
    for (let i = 0; i < 100 && s.conn.state !== 'reconnecting'; i++) await sleep(2);
    expect(s.broker.unknownOrders()).toHaveLength(1);
    s.time.advanceTo(s.time.now() + 1000);
    for (let i = 0; i < 200 && (s.broker.pendingOrders().length > 0 || !s.conn.ready); i++) await pump(s.time);
    expect(s.broker.stats.closesResent).toBe(1);
    expect(s.sent('ProtoOAClosePositionReq').map((m) => m.session)).toEqual([1, 2]);
    expect(s.ofType('position.closed').map((e) => [e.payload.positionId, e.payload.reason])).toEqual([['r1', 'emergency']]);
    expect(s.ofType('order.rejected')).toEqual([]);
    leftNothing(s);
  });
});
