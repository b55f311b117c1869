import { createMemo, createResource, createSignal, Show } from 'solid-js';
import type { AgentSummary } from '../../../workers/host/api.ts';
import { agentEquity } from '../../../workers/performance/equity.ts';
import { bySymbol, performanceOf } from '../../../workers/performance/performance.ts';
import { EquityChart } from '../../charts/EquityChart.tsx';
import { fmt, tone } from '../../components/format.ts';
import { useWorkspace } from '../../state/workspace.ts';
import { PerfTable } from './PerfTable.tsx';
import { PeriodTable } from './PeriodTable.tsx';
import { TradeBars } from './TradeBars.tsx';
import { perfCells } from './perf-text.ts';
import './performance.css';

/**
 * One agent's performance, folded until asked for (the store is read only
 * while it is open): its equity curve, its numbers, per-trade P&L, P&L by
 * day, week and month, and per symbol, all measured by workers/performance.
 * The account is shared, so the agent's equity is the starting cash plus its
 * own P&L (workers/performance/equity.ts).
 */
export function AgentPerformance(props: { agent: AgentSummary }) {
  const ws = useWorkspace();
  const [open, setOpen] = createSignal(false);
  const [book] = createResource(
    () => (open() ? [ws.version()] : false),
    async () => {
      const id = props.agent.id;
      const [trades, positions] = await Promise.all([ws.store.trades.list({ agentId: id }), ws.store.positions.open({ agentId: id })]);
      return { trades, since: positions.length ? Math.min(...positions.map((p) => p.openedAt)) : undefined };
    },
  );
  const cash = () => ws.status()?.account.initialCash ?? 0;
  const view = createMemo(() => {
    const b = book.latest;
    const now = ws.status()?.clockTime;
    if (!b) return null;
    const mark = now !== undefined && now > 0 ? { time: now, openPnl: props.agent.openPnl, since: b.since } : undefined;
    return { trades: b.trades, curve: agentEquity(b.trades, cash(), mark), perf: performanceOf(b.trades, new Map(), cash()), symbols: bySymbol(b.trades, new Map(), cash()) };
  });

  return (
    <details class="agent-perf" data-agent-performance={props.agent.id} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Performance</summary>
      <Show when={view()} fallback={<p class="muted small">Loading the agent's record…</p>}>
        {(v) => {
          const c = () => perfCells(v().perf);
          return (
            <>
              <dl class="perf-stats">
                <Stat name="net" label="Realised" value={fmt.signedUsd(v().perf.netPnl)} tone={tone(v().perf.netPnl)} />
                <Stat name="trades" label="Closed trades" value={String(v().perf.trades)} />
                <Stat name="win-rate" label="Win rate" value={c().winRate} />
                <Stat name="profit-factor" label="Profit factor" value={c().profitFactor} title={c().profitFactorNote} />
                <Stat name="expectancy" label="Expectancy" value={c().expectancy} tone={tone(v().perf.expectancy || 0)} title="Mean net P&L per closed trade" />
                <Stat name="max-drawdown" label="Max drawdown" value={fmt.pct(v().perf.maxDrawdownPct)} title="Of the starting cash plus this agent's closed P&L" />
              </dl>
              <EquityChart time={v().curve.time} equity={v().curve.equity} drawdown={v().curve.drawdown} height={200} />
              <p class="muted small">
                The account is shared: this agent's equity is the starting {fmt.usd(cash())} plus its own closed P&L at each exit, and its open P&L at the last mark.
              </p>
              <h3>Per-trade P&L</h3>
              <TradeBars trades={v().trades} />
              <h3>P&L by period</h3>
              <PeriodTable trades={v().trades} />
              <Show when={v().symbols.length > 0}>
                <h3>By symbol</h3>
                <PerfTable name="symbol" head="Symbol" rows={v().symbols.map((s) => ({ key: s.symbol, label: s.symbol, performance: s.performance }))} />
              </Show>
            </>
          );
        }}
      </Show>
    </details>
  );
}

function Stat(props: { name: string; label: string; value: string; tone?: string; title?: string }) {
  return (
    <div data-perf-stat={props.name}>
      <dt>{props.label}</dt>
      <dd class={props.tone ?? ''} title={props.title || undefined}>
        {props.value}
      </dd>
    </div>
  );
}
