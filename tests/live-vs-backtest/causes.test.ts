import { describe, expect, it } from 'vitest';
import { compareLiveToBacktest, entryBar } from '../../workers/backtest/live-vs-backtest.ts';
import { decisionKind } from '../../workers/backtest/live-vs-backtest-causes.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import type { EngineEvent, EngineEventInput } from '../../workers/trading/events.ts';
import type { CloseReason, Side } from '../../workers/trading/orders.ts';

const H = 3_600_000;
const T0 = Date.UTC(2018, 0, 8, 8);
const bar = (i: number) => T0 + i * H;
const A = 'a1';
let seq = 0;
const ev = (e: EngineEventInput): EngineEvent => ({ ...e, seq: ++seq }) as EngineEvent;
const coid = (i: number) => `${A}:EURUSD:${bar(i)}:E`;
const decision = (i: number, action: 'enter' | 'skip' | 'hold', reason: string) =>
  ev({ id: `dec:${A}:EURUSD:${bar(i)}`, type: 'decision', agentId: A, time: bar(i + 1), payload: { symbol: 'EURUSD', barTime: bar(i), action, reason, direction: 1, inputs: {}, ...(action === 'enter' ? { clientOrderId: coid(i) } : {}) } });
/** A trade decided on bar i, filled at bar i+1's open, closed on bar j. */
function trade(id: string, i: number, j: number, side: Side, units: number, entry: number, exit: number, reason: CloseReason): EngineEvent[] {
  const gross = Math.round(side * (exit - entry) * units * 100);
  return [
    ev({ id: `pos:open:${id}`, type: 'position.opened', agentId: A, time: bar(i + 2), payload: { positionId: id, symbol: 'EURUSD', side, volumeUnits: units, entryPrice: entry, stopLoss: null, takeProfit: null, commissionCents: 0, entryTime: bar(i + 1) } }),
    ev({ id: `pos:close:${id}`, type: 'position.closed', agentId: A, time: bar(j + 1), payload: { positionId: id, symbol: 'EURUSD', side, volumeUnits: units, entryPrice: entry, entryTime: bar(i + 1), exitPrice: exit, exitTime: bar(j), reason, grossPnlCents: gross, commissionCents: 0, netPnlCents: gross } }),
  ];
}

describe('live versus backtest, on a record written by hand', () => {
  it('reads the decision bar from a client order id, and words a decision as a cause', () => {
    expect(entryBar('a1:EURUSD:1515398400000:E')).toEqual({ symbol: 'EURUSD', barTime: 1515398400000 });
    expect(entryBar('a1:EURUSD:1515398400000:E2')).toEqual({ symbol: 'EURUSD', barTime: 1515398400000 });
    expect(entryBar('a1:EURUSD:1515398400000:X')).toBeNull();
    expect(entryBar('12345678')).toBeNull();
    expect(decisionKind('skipped: agent paused')).toBe('paused');
    expect(decisionKind('skipped: trading halted (daily loss limit)')).toBe('halted');
    expect(decisionKind('skipped: refused by currency-exposure: USD exposure would be 412% of equity, above the 300% limit')).toBe('risk');
    expect(decisionKind('skipped: asset locked (already long)')).toBe('position');
  });

  it('slippage in pips and money against live, a pause and a risk refusal as reasons, an adopted position as extra', () => {
    const live = [
      decision(0, 'enter', 'entered long'),
      ...trade(coid(0), 0, 5, 1, 10_000, 1.1001, 1.101, 'stop'),
      decision(10, 'skip', 'skipped: agent paused'),
      decision(20, 'skip', 'skipped: refused by daily-loss: the day has lost 2.10% of equity, above the 2% limit'),
      // A position the broker held that no decision of the agent opened (adopted at a restart).
      ...trade('887766', 30, 33, -1, 5_000, 1.2, 1.19, 'target'),
    ];
    const backtest = [
      decision(0, 'enter', 'entered long'),
      ...trade(coid(0), 0, 5, 1, 10_000, 1.1, 1.1012, 'stop'),
      decision(10, 'enter', 'entered long'),
      ...trade(coid(10), 10, 12, 1, 10_000, 1.1, 1.105, 'target'),
      decision(20, 'enter', 'entered long'),
      ...trade(coid(20), 20, 25, 1, 10_000, 1.1, 1.099, 'stop'),
      decision(30, 'hold', 'held flat: no signal'),
    ];
    const r = compareLiveToBacktest({ agentId: A, timeframe: 'H1', from: bar(0), to: bar(40), live, backtest, barTimes: () => Array.from({ length: 41 }, (_, i) => bar(i)), instrument: () => KNOWN_INSTRUMENTS.EURUSD });
    expect(r.matched).toHaveLength(1);
    const m = r.matched[0];
    // Live paid 1.1001 for what the backtest bought at 1.1000: 1 pip, 10,000 units -> 1.00 against live.
    expect(m.entrySlippage.pips).toBeCloseTo(1, 9);
    expect(m.entrySlippage.money).toBeCloseTo(1, 9);
    // Live sold at 1.1010 where the backtest sold at 1.1012: 2 pips, 2.00 against live.
    expect(m.exitSlippage!.pips).toBeCloseTo(2, 9);
    expect(m.exitSlippage!.money).toBeCloseTo(2, 9);
    expect(m.pnlDifferenceCents).toBe(900 - 1200);
    expect(r.missed.map((x) => [x.barTime, x.cause])).toEqual([
      [bar(10), { kind: 'paused', text: 'live skipped: agent paused' }],
      [bar(20), { kind: 'risk', text: 'live skipped: refused by daily-loss: the day has lost 2.10% of equity, above the 2% limit' }],
    ]);
    expect(r.extra.map((x) => [x.trade.positionId, x.cause.kind])).toEqual([['887766', 'other']]);
    // Live: 9.00 + 50.00 (the adopted short); backtest: 12.00 + 50.00 - 10.00.
    expect(r.pnl).toEqual({ liveCents: 900 + 5000, backtestCents: 1200 + 5000 - 1000, differenceCents: 5900 - 5200, liveClosed: 2, backtestClosed: 3 });
  });
});
