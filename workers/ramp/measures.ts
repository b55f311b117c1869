import { computeMetrics } from '../backtest/metrics.ts';
import { entryRisk } from '../risk/exposure.ts';
import { paperRecord } from '../readiness/paper-record.ts';
import type { TradeRecord } from '../store/projections.ts';
import type { EngineEvent } from '../trading/events.ts';

/** A closed trade as the ramp compares it: net P&L over its initial risk. */
export interface RTrade {
  netPnl: number;
  /** Money the entry put at risk (risk/exposure.ts entryRisk: stop distance x units, the notional without a stop). */
  risk: number;
}

export interface RMeasures {
  trades: number;
  /** % of trades with net P&L above zero; NaN with no trade. */
  winRatePct: number;
  /** Mean R per trade; NaN with no trade. */
  expectancyR: number;
}

const EMPTY = new Float64Array(0);

/**
 * Win rate and expectancy in R of a set of trades: the backtest's own win
 * rate and expectancy (backtest/metrics.ts) over the trades measured in R,
 * so live at 1% of the capital compares with paper at full size.
 */
export function rMeasures(trades: readonly RTrade[]): RMeasures {
  const inR = trades.map((t) => ({ netPnl: t.netPnl / t.risk, commission: 0, returnPct: 0 }) as TradeRecord);
  const m = computeMetrics({ time: EMPTY, equity: EMPTY, initialEquity: 1, trades: inR, barsInMarket: 0, timeframe: 'H1' });
  return { trades: trades.length, winRatePct: m.winRatePct, expectancyR: m.expectancy };
}

/** Initial risk of an entry from its order intent (units, stop distance) and its fill price. */
export function tradeRisk(volumeUnits: number, entryPrice: number, stopDistance: number | null): number {
  return entryRisk({ volumeUnits, price: entryPrice, stopDistance });
}

/**
 * What the agent did on paper before going live: its paper trades (the
 * readiness checklist's own reading of the record, paper-record.ts) in R,
 * each trade's risk from its entry intent.
 */
export function paperBaseline(events: readonly EngineEvent[], agentId: string, defaultMode: 'paper' | 'live', accountIsPaper: boolean): RMeasures {
  const stops = new Map<string, number | null>();
  for (const e of events) if (e.type === 'order.intent' && e.agentId === agentId && e.payload.purpose === 'open') stops.set(e.payload.clientOrderId, e.payload.stopDistance);
  const trades = paperRecord(events, agentId, defaultMode, accountIsPaper).trades.map((t) => ({ netPnl: t.netPnl, risk: tradeRisk(t.volumeUnits, t.entryPrice, stops.get(t.id) ?? null) }));
  return rMeasures(trades);
}
