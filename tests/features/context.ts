import type { ContextColumns, TradeContext } from '../../workers/features/spec/index.ts';
import { CONTEXT_FIELDS } from '../../workers/features/spec/index.ts';
import type { BarSeries } from '../../workers/market/bar.ts';

/**
 * Varied, deterministic trade context for every bar: trades open and close,
 * directions flip, drawdown wanders, so every context feature takes several values.
 */
export function variedContext(s: BarSeries): ContextColumns {
  const n = s.time.length;
  const cols = Object.fromEntries(CONTEXT_FIELDS.map((f) => [f, new Float64Array(n)])) as Record<(typeof CONTEXT_FIELDS)[number], Float64Array>;
  let side = 0;
  let entry = 0;
  let since = 0;
  for (let i = 0; i < n; i++) {
    if (i % 37 === 0) {
      side = [1, 0, -1][(i / 37) % 3];
      entry = s.close[i];
      since = 0;
    }
    cols.direction[i] = ((i * 7) % 3) - 1;
    cols.openPositions[i] = i % 5;
    cols.drawdown[i] = ((i * 13) % 100) / 400;
    cols.positionSide[i] = side;
    cols.entryPrice[i] = side === 0 ? 0 : entry;
    cols.barsSinceEntry[i] = side === 0 ? 0 : since++;
    cols.leverage[i] = ((i * 3) % 50) / 10;
    cols.lossStreak[i] = Math.floor(i / 50) % 4;
  }
  return cols;
}

/** Row `i` of context columns as the streaming builder takes it. */
export function contextAt(cols: ContextColumns, i: number): TradeContext {
  const ctx: TradeContext = {};
  for (const f of CONTEXT_FIELDS) {
    const c = cols[f];
    if (c) ctx[f] = c[i];
  }
  return ctx;
}
