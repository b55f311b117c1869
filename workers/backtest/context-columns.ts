import type { BarSeries } from '../market/bar.ts';
import type { EngineEvent } from '../trading/events.ts';
import { CONTEXT_INPUTS } from '../engine/context-inputs.ts';
import type { ContextColumns } from '../features/spec/index.ts';

/**
 * The trade and account context an agent's decisions recorded (a run with recordContext), as
 * the feature builder's context columns over `series`: for each bar, what the engine held
 * when it built that bar's observation (open positions, drawdown, the position in the symbol
 * and its entry, bars in it, leverage, loss streak). `direction` is what risk and guard would
 * be fed: 0 (as the alpha sees it), or +1 / -1 for a proposed long / short. Bars the agent made
 * no decision on (before the run, or not traded) get NaN, so their context features stay
 * empty rather than pretend to be 0.
 */
export function recordedContext(events: readonly EngineEvent[], series: BarSeries, agentId: string, direction: -1 | 0 | 1): ContextColumns {
  const n = series.time.length;
  const fields = Object.keys(CONTEXT_INPUTS) as (keyof typeof CONTEXT_INPUTS)[];
  const cols = Object.fromEntries([...fields, 'direction'].map((f) => [f, new Float64Array(n).fill(NaN)])) as Record<keyof typeof CONTEXT_INPUTS | 'direction', Float64Array>;
  const row = new Map<number, number>();
  for (let i = 0; i < n; i++) row.set(series.time[i], i);
  let seen = 0;
  for (const e of events) {
    if (e.type !== 'decision' || e.agentId !== agentId || e.payload.symbol !== series.symbol) continue;
    const i = row.get(e.payload.barTime);
    const inputs = e.payload.inputs;
    if (i === undefined || !(CONTEXT_INPUTS.openPositions in inputs)) continue;
    for (const f of fields) cols[f][i] = inputs[CONTEXT_INPUTS[f]];
    cols.direction[i] = direction;
    seen++;
  }
  if (seen === 0) throw new Error(`no recorded context for agent ${agentId} on ${series.symbol}: run the backtest with recordContext`);
  return cols;
}
