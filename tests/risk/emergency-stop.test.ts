/**
 * The emergency stop on the paper broker, on the bundled real EURUSD hours:
 * the race of issue 13 (an entry accepted before the stop, its fill due after
 * it), a fill that lands after the stop because its cancel was lost, and two
 * presses. Each ends flat with nothing pending, the account and the agents
 * halted, and every close sent once.
 */
import { describe, expect, it } from 'vitest';
import { barAt, sliceSeries } from '../../workers/market/bar.ts';
import { createPaperSession } from '../../workers/engine/paper-session.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { SimulatedClock } from '../../workers/trading/clock.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { bundled } from '../helpers/bundled.ts';

const series = sliceSeries(bundled('EURUSD'), 0, 600);
const instrument = (s: string) => KNOWN_INSTRUMENTS[s];
const FAST = { ...DEMO_AGENT, id: 'fast', name: 'SMA 5/15', alpha: { kind: 'rule' as const, strategy: 'sma-cross', params: { fast: 5, slow: 15, longOnly: false } } };

/** The demo SMA agent and a faster one on EURUSD H1, stepped bar by bar. */
function session() {
  const clock = new SimulatedClock(series.time[0]);
  const s = createPaperSession({ clock, ...DEMO_ACCOUNT, instrument });
  for (const a of [DEMO_AGENT, FAST]) s.engine.addAgent({ ...a, symbols: ['EURUSD'], timeframe: 'H1' });
  let i = 0;
  const step = () => {
    clock.advanceTo(series.time[i] + 3_600_000);
    s.engine.onBar('EURUSD', 'H1', barAt(series, i++));
  };
  /** Steps until `cond` holds after a bar close; the test fails if the data never gets there. */
  const stepUntil = (cond: () => boolean, what: string) => {
    while (!cond()) {
      if (i >= series.time.length) throw new Error(`the bundled bars never reached: ${what}`);
      step();
    }
  };
  return { ...s, clock, step, stepUntil, events: () => s.journal.events as readonly EngineEvent[] };
}

const ofType = <T extends EngineEvent['type']>(events: readonly EngineEvent[], type: T) => events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
const entryPending = (s: ReturnType<typeof session>) => s.broker.pendingOrders().filter((o) => o.purpose === 'open');

describe('emergency stop on the paper broker', () => {
  it('an entry accepted before the stop, due to fill after it, is cancelled: flat, nothing pending, every agent halted', () => {
    const s = session();
    // A position held by one agent and an entry accepted, not filled (it fills at the next bar's open), by another.
    s.stepUntil(() => s.broker.positions().length > 0 && entryPending(s).some((o) => !s.broker.positions().some((p) => p.agentId === o.agentId)), 'a position and an entry in flight together');
    const entries = entryPending(s).map((o) => o.clientOrderId);
    const held = s.broker.positions().map((p) => p.id);
    for (const id of entries) expect(ofType(s.events(), 'order.accepted').some((e) => e.payload.clientOrderId === id)).toBe(true);

    const plan = s.engine.emergencyStop();
    expect(plan.cancel.map((o) => o.clientOrderId)).toEqual(entries);
    expect(plan.close.map((p) => p.id)).toEqual(held);
    expect(plan.halt).toEqual(['account', DEMO_AGENT.id, FAST.id]);
    expect(ofType(s.events(), 'order.cancelled').map((e) => [e.payload.clientOrderId, e.payload.reason])).toEqual(entries.map((id) => [id, 'emergency stop']));
    expect(s.broker.pendingOrders().map((o) => o.purpose)).toEqual(held.map(() => 'close'));

    const mark = s.events().length;
    s.step(); // the bar whose open would have filled the entry: the closes fill instead
    for (let k = 0; k < 20; k++) s.step();
    const after = s.events().slice(mark);
    expect(s.broker.positions()).toEqual([]);
    expect(s.broker.pendingOrders()).toEqual([]);
    expect(s.events().some((e) => (e.type === 'order.filled' || e.type === 'order.rejected') && entries.includes(e.payload.clientOrderId))).toBe(false);
    expect(ofType(after, 'position.closed').map((e) => [e.payload.positionId, e.payload.reason])).toEqual(held.map((id) => [id, 'emergency']));
    expect(ofType(after, 'order.intent').filter((e) => e.payload.purpose === 'open')).toEqual([]);
    expect(ofType(after, 'decision').every((e) => e.payload.reason === 'skipped: trading halted (emergency stop)')).toBe(true);
    expect(s.engine.risk.stateOf('account')).toMatchObject({ state: 'halted', code: 'emergency-stop' });
    for (const a of s.engine.listAgents()) expect([a.status, s.engine.risk.effectiveState(a.config.id).state]).toEqual(['running', 'halted']);
  });

  it('a fill that lands after the stop (its cancel lost) is closed at once and reported', () => {
    const s = session();
    // A broker whose cancel arrives too late: the order fills anyway (a real broker's race).
    const cancels: string[] = [];
    s.broker.cancelOrder = (id) => void cancels.push(id);
    s.stepUntil(() => entryPending(s).length > 0, 'an entry in flight');
    const entry = entryPending(s)[0];
    s.engine.emergencyStop();
    expect(cancels).toEqual([entry.clientOrderId]);

    const mark = s.events().length;
    s.step(); // the entry fills at this bar's open, on a halted agent
    const filled = s.events().slice(mark);
    const opened = ofType(filled, 'position.opened').find((e) => e.payload.positionId === entry.clientOrderId);
    expect(opened).toBeDefined();
    // Closed at once: the close is sent in the same step it opened, with a notice saying why.
    const close = ofType(filled, 'order.intent').filter((e) => e.payload.purpose === 'close');
    expect(close.map((e) => [e.payload.positionId, e.payload.closeReason])).toEqual([[entry.clientOrderId, 'emergency']]);
    const notice = ofType(filled, 'risk.notice');
    expect(notice.map((e) => [e.payload.code, e.payload.clientOrderId, e.agentId])).toEqual([['late-fill-closed', entry.clientOrderId, entry.agentId]]);
    expect(notice[0].payload.message).toMatch(/^EURUSD (long|short) of \d+ units filled for agent \S+ after trading was halted \(emergency stop\): closing it at market$/);
    expect(filled.indexOf(notice[0])).toBeGreaterThan(filled.indexOf(opened!));

    s.step();
    expect(s.broker.positions()).toEqual([]);
    expect(s.broker.pendingOrders()).toEqual([]);
    expect(ofType(s.events(), 'position.closed').filter((e) => e.payload.positionId === entry.clientOrderId).map((e) => e.payload.reason)).toEqual(['emergency']);
    for (let k = 0; k < 20; k++) s.step();
    expect(ofType(s.events().slice(mark), 'risk.notice')).toHaveLength(1);
    expect(s.broker.positions()).toEqual([]);
  });

  it('stopping one agent cancels its entry in flight; if the fill wins anyway it is closed at once, and the other agent trades on', () => {
    const s = session();
    const cancels: string[] = [];
    s.broker.cancelOrder = (id) => void cancels.push(id); // the cancel loses the race: the order fills
    s.stepUntil(() => entryPending(s).some((o) => o.agentId === FAST.id), 'an entry of the fast agent in flight');
    const entry = entryPending(s).find((o) => o.agentId === FAST.id)!;
    s.engine.stop(FAST.id, 'stopped by user', false);
    expect(cancels).toEqual([entry.clientOrderId]);
    const mark = s.events().length;
    s.step();
    const after = s.events().slice(mark);
    expect(ofType(after, 'position.opened').map((e) => e.payload.positionId)).toContain(entry.clientOrderId);
    const notice = ofType(after, 'risk.notice');
    expect(notice.map((e) => [e.payload.code, e.payload.clientOrderId])).toEqual([['late-fill-closed', entry.clientOrderId]]);
    expect(notice[0].payload.message).toMatch(/filled for agent fast after its order was cancelled: closing it at market$/);
    s.step();
    expect(s.broker.positions().filter((p) => p.agentId === FAST.id)).toEqual([]);
    // Not a halt: the account and the demo agent still trade.
    expect(s.engine.risk.effectiveState(DEMO_AGENT.id).state).toBe('active');
  });

  it('pressed twice, each close and each cancel is sent once; the second press halts nothing new', () => {
    const s = session();
    s.stepUntil(() => s.broker.positions().length > 0 && entryPending(s).length > 0, 'a position and an entry in flight');
    const calls = { close: [] as string[], cancel: [] as string[] };
    const close = s.broker.closePosition.bind(s.broker);
    const cancel = s.broker.cancelOrder.bind(s.broker);
    s.broker.closePosition = (id, reason, coid) => (calls.close.push(id), close(id, reason, coid));
    s.broker.cancelOrder = (id, reason) => (calls.cancel.push(id), cancel(id, reason));
    const held = s.broker.positions().map((p) => p.id);
    const entries = entryPending(s).map((o) => o.clientOrderId);

    const first = s.engine.emergencyStop();
    const states = ofType(s.events(), 'risk.state').length;
    const second = s.engine.emergencyStop();
    expect(first.close.map((p) => p.id)).toEqual(held);
    expect([second.cancel, second.close, second.halt]).toEqual([[], [], []]);
    expect(second.closing.map((p) => p.id)).toEqual(held);
    expect(ofType(s.events(), 'risk.state')).toHaveLength(states);

    s.step();
    s.engine.emergencyStop(); // a third press after the fills: nothing left to do
    s.step();
    expect(calls).toEqual({ close: held, cancel: entries });
    const intents = ofType(s.events(), 'order.intent').filter((e) => e.payload.purpose === 'close');
    expect(intents.map((e) => e.payload.positionId)).toEqual(held);
    expect(s.broker.positions()).toEqual([]);
    expect(s.broker.pendingOrders()).toEqual([]);
  });
});
