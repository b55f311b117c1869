import { describe, expect, it } from 'vitest';
import { tradeMarkers } from '../../app/charts/markers.ts';
import type { TradeRecord } from '../../workers/store/projections.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';

const trade = (over: Partial<TradeRecord>): TradeRecord => ({
  id: 'a:EURUSD:1:E',
  agentId: 'a',
  symbol: 'EURUSD',
  side: 1,
  volumeUnits: 10_000,
  entryTime: 1_000,
  entryPrice: 1.1,
  exitTime: 5_000,
  exitPrice: 1.11,
  reason: 'signal',
  grossPnl: 100,
  commission: 7,
  netPnl: 93,
  returnPct: 0.9,
  ...over,
});

describe('tradeMarkers', () => {
  it('marks each closed trade\'s entry by side and its exit by the close reason', () => {
    const m = tradeMarkers({
      trades: [
        trade({}),
        trade({ id: 't2', side: -1, entryTime: 6_000, entryPrice: 1.12, exitTime: 9_000, exitPrice: 1.13, reason: 'stop', netPnl: -100 }),
        trade({ id: 't3', entryTime: 10_000, exitTime: 12_000, reason: 'target' }),
      ],
    });
    expect(m.map((x) => [x.time, x.kind])).toEqual([
      [1_000, 'entry-long'],
      [5_000, 'exit'],
      [6_000, 'entry-short'],
      [9_000, 'stop'],
      [10_000, 'entry-long'],
      [12_000, 'target'],
    ]);
    expect(m[3].price).toBe(1.13);
    expect(m[1].label).toContain('signal');
    expect(m[3].label).toContain('-100.00');
  });

  it('marks open positions with their stop and target, and amended stops where they moved', () => {
    const amended: EngineEvent = {
      seq: 9,
      id: 'pos:amend:p1:7000:1',
      type: 'position.amended',
      agentId: 'a',
      time: 7_000,
      payload: { positionId: 'p1', symbol: 'EURUSD', stopLoss: 1.105, takeProfit: 1.2, previousStopLoss: 1.09, previousTakeProfit: 1.2, why: 'trailing stop' },
    };
    const other: EngineEvent = { ...amended, id: 'x', payload: { ...amended.payload, symbol: 'GBPUSD', stopLoss: 1.3 } };
    const m = tradeMarkers({
      symbol: 'EURUSD',
      openPositions: [{ positionId: 'p1', symbol: 'EURUSD', side: 1, volumeUnits: 1000, entryPrice: 1.1, stopLoss: 1.09, takeProfit: 1.2, openedAt: 3_000 }],
      events: [amended, other],
      trades: [trade({ symbol: 'GBPUSD' })],
    });
    expect(m.map((x) => [x.time, x.kind, x.price])).toEqual([
      [3_000, 'entry-long', 1.1],
      [3_000, 'stop', 1.09],
      [3_000, 'target', 1.2],
      // Only the stop moved; an unchanged target is not marked again.
      [7_000, 'stop', 1.105],
    ]);
    expect(m[3].label).toContain('trailing stop');
  });

  it('is empty with nothing to mark, and leaves out absent stops', () => {
    expect(tradeMarkers({})).toEqual([]);
    const m = tradeMarkers({ openPositions: [{ positionId: 'p', symbol: 'X', side: -1, volumeUnits: 1, entryPrice: 5, stopLoss: null, takeProfit: null, openedAt: 1 }] });
    expect(m.map((x) => x.kind)).toEqual(['entry-short']);
  });
});
