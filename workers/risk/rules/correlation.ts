import { symbolCorrelation } from '../correlation.ts';
import { ALLOW, type RiskRule } from '../rule.ts';

const round = (x: number) => +x.toFixed(4);

/**
 * Correlation limit (RiskLimits.correlation): an entry is refused when its
 * symbol's returns correlate above `max` with an open position's taken in the
 * same direction, or below -max with one in the opposite direction (a long
 * EURUSD and a short of a series that moves against it are one bet), over
 * the last `lookbackBars` bars of the agent's timeframe. Only series with
 * closes on that timeframe are compared; until both have lookbackBars + 1
 * closes there is no number and the pair does not refuse (an unknown
 * correlation is not a high one). The same symbol is the same bet: another
 * agent's position in it counts as correlation 1 without waiting for bars. The
 * agent's own position in the symbol is being reversed and is not compared.
 */
export const correlationRule: RiskRule = {
  name: 'correlation',
  armed: (l) => l.correlation !== null,
  check(e, v) {
    const c = v.limits(e.agentId).correlation;
    if (!c) return ALLOW;
    // Positions, and entries allowed but not filled yet: two correlated entries on one bar are one bet too.
    for (let k = 0; k < 2; k++) {
      for (const p of k === 0 ? v.positions() : v.entriesInFlight()) {
        if (p.agentId === e.agentId && p.symbol === e.symbol) continue;
        const r = p.symbol === e.symbol ? 1 : symbolCorrelation(v, e.symbol, p.symbol, e.timeframe, c.lookbackBars);
        if (r === null) continue;
        const same = p.side === e.side;
        if (same ? r <= c.max : r >= -c.max) continue;
        const side = (s: number) => (s === 1 ? 'long' : 'short');
        return {
          kind: 'refuse',
          code: 'correlation',
          reason: `${e.symbol} returns correlate ${round(r)} with ${p.symbol} over ${c.lookbackBars} ${e.timeframe} bars: a ${side(e.side)} ${e.symbol} would double the open ${side(p.side)} ${p.symbol} (agent ${p.agentId}); the limit is ${same ? `${c.max} on the same side` : `-${c.max} on opposite sides`}`,
          numbers: { correlation: round(r), limit: c.max, lookbackBars: c.lookbackBars },
        };
      }
    }
    return ALLOW;
  },
};
