/**
 * The engine's manual book and trailing stops set by hand, on a paper session
 * fed scripted H1 bars (no agent at all): a manual order fills at the next
 * open with its typed levels, a percent trail follows rising closes and never
 * falls back, a halt freezes it, and the same inputs give the same ids.
 */
import { describe, expect, it } from 'vitest';
import { createPaperSession } from '../../workers/engine/paper-session.ts';
import { SimulatedClock } from '../../workers/trading/clock.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { TIMEFRAME_MS } from '../../workers/market/timeframe.ts';
import type { Bar } from '../../workers/market/bar.ts';
import { NO_COSTS } from '../../workers/market/costs.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';

const H = TIMEFRAME_MS.H1;
const T0 = Date.UTC(2024, 0, 2, 9);

function session() {
  const clock = new SimulatedClock(T0);
  const s = createPaperSession({ clock, initialCash: 10_000, leverage: 30, costs: NO_COSTS, instrument: (sym) => KNOWN_INSTRUMENTS[sym] });
  let i = 0;
  const bar = (close: number, open: number, range = 0.0001): Bar => ({ time: T0 + i * H, open, high: Math.max(open, close) + range, low: Math.min(open, close) - range, close, volume: 1 });
  /** One H1 bar closing at `close` (opening there too unless said), the clock at its close. */
  const step = (close: number, open = close) => {
    const b = bar(close, open);
    i++;
    clock.advanceTo(T0 + i * H);
    s.engine.onBar('EURUSD', 'H1', b);
  };
  return { ...s, clock, step };
}

describe('manual book and trailing stops in the engine', () => {
  it('a manual buy fills at the next open with the typed levels; a 0.2 % trail follows rising closes and never falls back; a halt freezes it', () => {
    const { engine, broker, journal, step } = session();
    step(1.1);
    const r = engine.placeManualOrder({ symbol: 'EURUSD', side: 1, volumeUnits: 1000, stopLoss: 1.095, takeProfit: 1.12, timeframe: 'H1' });
    expect(r).toMatchObject({ ok: true, clientOrderId: `manual:EURUSD:${T0 + H}:E`, volumeUnits: 1000 });
    // It fills at the next open, 2 pips up: the distances would put the levels 2 pips up too; the typed ones are put back.
    step(1.1, 1.1002);
    const p = broker.positionOf('manual', 'EURUSD')!;
    expect(p.entryPrice).toBe(1.1002);
    expect([p.stopLoss, p.takeProfit]).toEqual([1.095, 1.12]);
    expect(engine.setTrail(p, { kind: 'pct', pct: 0.2 }, [])).toBe(1.0978); // 1.1 - 0.2 %
    const stops: number[] = [];
    for (const c of [1.101, 1.103, 1.1025, 1.102, 1.104]) {
      step(c);
      stops.push(broker.positionOf('manual', 'EURUSD')!.stopLoss!);
    }
    // Up with each new high close, held where it was when the close fell back.
    expect(stops).toEqual([1.0988, 1.10079, 1.10079, 1.10079, 1.10179]);
    engine.risk.setState('account', 'halted', 'user', 'halted by hand', 'user', null);
    step(1.106);
    expect(broker.positionOf('manual', 'EURUSD')!.stopLoss).toBe(1.10179);
    const why = journal.events.filter((e) => e.type === 'position.amended').map((e) => (e.payload as { why: string }).why);
    expect(why[0]).toBe('manual order: stop 1.09500 and target 1.12000 as typed');
    expect(new Set(why.slice(1))).toEqual(new Set(['trailing 0.2 %']));
    // The trail goes with the position.
    engine.risk.setState('account', 'active', 'user', 'resumed', 'user', null);
    step(1.1);
    expect(broker.positionOf('manual', 'EURUSD')).toBeUndefined();
    expect(engine.trails.size).toBe(0);
  });

  it('refuses in words, recording nothing: a stop above a long, too small a size, a halted account', () => {
    const { engine, journal, step } = session();
    step(1.1);
    const n = journal.events.length;
    expect(engine.placeManualOrder({ symbol: 'EURUSD', side: 1, volumeUnits: 1000, stopLoss: 1.2, takeProfit: null, timeframe: 'H1' })).toEqual({ ok: false, reason: "stop 1.20000 is above the last EURUSD price 1.10000: a long's stop must be below it, or it would close at once" });
    expect(engine.placeManualOrder({ symbol: 'EURUSD', side: -1, volumeUnits: 999, stopLoss: null, takeProfit: null, timeframe: 'H1' })).toEqual({ ok: false, reason: "999 units rounds down to 0 on EURUSD's step of 1000: volume must be positive (got 0 units)" });
    engine.risk.setState('account', 'halted', 'user', 'halted by hand', 'user', null);
    const halted = engine.placeManualOrder({ symbol: 'EURUSD', side: 1, volumeUnits: 1000, stopLoss: null, takeProfit: null, timeframe: 'H1' });
    expect(halted).toMatchObject({ ok: false, reason: expect.stringMatching(/^trading is halted \(halted by hand\): no new entry is sent, manual ones included/) });
    expect(journal.events.length).toBe(n + 1); // only the halt's own state event
  });

  it('an agent cannot take the manual book id', () => {
    const { engine } = session();
    expect(engine.agentProblem({ ...DEMO_AGENT, id: 'manual' })).toBe('agent id manual is kept for the orders placed by hand (#buy, #sell): choose another id');
    expect(engine.agentProblem(DEMO_AGENT)).toBeNull();
  });
});
