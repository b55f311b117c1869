import { createMemo, Show } from 'solid-js';
import { alphaSources, performanceOf } from '../../../workers/performance/performance.ts';
import type { AgentAlpha } from '../../../workers/performance/performance.ts';
import type { TradeRecord } from '../../../workers/store/projections.ts';
import { PerfTable, type PerfRow } from './PerfTable.tsx';

/**
 * By strategy: the closed trades of every agent grouped by alpha source (a
 * rule strategy or an alpha model), as /strategy-performance groups them;
 * a removed agent's trades under 'unknown (agent removed)'.
 */
export function StrategyTable(props: { agents: readonly AgentAlpha[]; trades: readonly TradeRecord[]; startingCash: number }) {
  const rows = createMemo<PerfRow[]>(() =>
    alphaSources(props.agents, props.trades).map(({ source, agentIds }) => {
      const ids = new Set(agentIds);
      return { key: source, label: source, detail: agentIds.join(', '), performance: performanceOf(props.trades.filter((t) => ids.has(t.agentId)), new Map(), props.startingCash) };
    }),
  );
  return (
    <div class="panel" data-by-strategy>
      <h2>By strategy</h2>
      <Show when={rows().length > 0} fallback={<p class="muted">No agents yet.</p>}>
        <PerfTable name="strategy" head="Alpha source (agents)" rows={rows()} />
        <p class="muted small">Closed trades since the start, per alpha source over the agents that use it; drawdown of the starting cash plus that source's closed P&L.</p>
      </Show>
    </div>
  );
}
