import type { EngineEvent } from '../trading/events.ts';

/** A trade's stop-loss and take-profit: as placed at entry, and as they stood when it closed (after trailing and amends). */
export interface TradeLevels {
  entryStop: number | null;
  entryTarget: number | null;
  exitStop: number | null;
  exitTarget: number | null;
}

/** Levels by position id, from a run's record (position.opened, then each position.amended in order). */
export function tradeLevels(events: readonly EngineEvent[]): Map<string, TradeLevels> {
  const out = new Map<string, TradeLevels>();
  for (const e of events) {
    if (e.type === 'position.opened') out.set(e.payload.positionId, { entryStop: e.payload.stopLoss, entryTarget: e.payload.takeProfit, exitStop: e.payload.stopLoss, exitTarget: e.payload.takeProfit });
    else if (e.type === 'position.amended') {
      const l = out.get(e.payload.positionId);
      if (l) Object.assign(l, { exitStop: e.payload.stopLoss, exitTarget: e.payload.takeProfit });
    }
  }
  return out;
}
