import { createMemo, createResource, For, Show } from 'solid-js';
import { Page } from '../../components/Page.tsx';
import { EquityChart } from '../../charts/EquityChart.tsx';
import { StatCard } from '../../components/Card.tsx';
import { fmt, tone } from '../../components/format.ts';
import { useWorkspace } from '../../state/workspace.ts';
import { Connections } from './Connections.tsx';
import { ModeBadge } from '../agents/ModeBadge.tsx';
import { AlertLog } from '../../alerts/AlertLog.tsx';
import { performanceOf } from '../../../workers/performance/performance.ts';
import { perfCells } from '../performance/perf-text.ts';
import { StrategyTable } from '../performance/StrategyTable.tsx';

/** The account at a glance: money, the equity curve, what is connected, which agents run. */
export default function OverviewView() {
  const ws = useWorkspace();
  // The equity curve is the stored account snapshots (one per step), re-read when the engine steps.
  const [curve] = createResource(ws.version, async () => {
    const snaps = await ws.store.snapshots.list();
    const time = new Float64Array(snaps.length);
    const equity = new Float64Array(snaps.length);
    const drawdown = new Float64Array(snaps.length);
    snaps.forEach((s, i) => {
      time[i] = s.time;
      equity[i] = s.equity;
      drawdown[i] = s.drawdown * 100;
    });
    return { time, equity, drawdown };
  });
  const account = () => ws.status()?.account;
  // Every closed trade, re-read when the engine steps: each agent's win rate, profit factor and expectancy, and By strategy.
  const [trades] = createResource(ws.version, () => ws.store.trades.list());
  const perfByAgent = createMemo(() => {
    const all = trades.latest ?? [];
    const cash = account()?.initialCash ?? 0;
    return new Map((ws.status()?.agents ?? []).map((a) => [a.id, perfCells(performanceOf(all.filter((t) => t.agentId === a.id), new Map(), cash))]));
  });
  const perfOf = (agentId: string) => perfByAgent().get(agentId) ?? perfCells(performanceOf([], new Map(), 0));
  const openPnl = () => ws.status()?.agents.reduce((n, a) => n + a.openPnl, 0) ?? 0;

  return (
    <Page view="overview" title="Overview">
      <Show when={account()} fallback={<p class="muted">Waiting for the engine…</p>}>
        {(a) => (
          <div class="cards" data-account-cards>
            <StatCard name="balance" label="Balance" value={fmt.usd(a().balance)} sub={`started at ${fmt.usd(a().initialCash)}`} />
            <StatCard
              name="equity"
              label="Equity"
              value={fmt.usd(a().equity)}
              tone={tone(a().equity - a().initialCash)}
              sub={<span class={tone(a().equity - a().initialCash)}>{fmt.signedUsd(a().equity - a().initialCash)} since start</span>}
            />
            <StatCard name="open-pnl" label="Open P&L" value={fmt.signedUsd(openPnl())} tone={tone(openPnl())} />
            <StatCard name="drawdown" label="Drawdown" value={fmt.pctOfFraction(a().drawdown)} tone={a().drawdown > 0.1 ? 'down' : ''} sub="from the equity peak" />
            <StatCard name="margin-used" label="Margin used" value={fmt.usd(a().usedMargin)} />
            <StatCard name="margin-free" label="Free margin" value={fmt.usd(a().freeMargin)} />
          </div>
        )}
      </Show>
      <div class="panel">
        <h2>Equity and drawdown</h2>
        <Show when={curve.latest} fallback={<p class="muted">Loading the equity curve…</p>}>
          {(c) => <EquityChart time={c().time} equity={c().equity} drawdown={c().drawdown} height={260} />}
        </Show>
      </div>
      <div class="grid-2">
        <Connections />
        <div class="panel">
          <h2>Agents</h2>
          <Show when={(ws.status()?.agents.length ?? 0) > 0} fallback={<p class="muted">No agents yet: create one on the Agents page.</p>}>
            <div class="table-wrap">
              <table data-overview-agents>
                <thead>
                  <tr>
                    <th>Agent</th>
                    <th>State</th>
                    <th class="num">Realised</th>
                    <th class="num">Open</th>
                    <th class="num">Win rate</th>
                    <th class="num">Profit factor</th>
                    <th class="num" title="Mean net P&L per closed trade">Expectancy</th>
                    <th class="num">Trades</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={ws.status()?.agents ?? []}>
                    {(a) => (
                      <tr data-agent-row={a.id}>
                        <td>
                          <a href={`#/agents?agent=${encodeURIComponent(a.id)}`}>{a.name}</a>
                          <div class="muted small">
                            {a.symbols.join(', ')} {a.timeframe} · {a.alpha}
                          </div>
                        </td>
                        <td>
                          <span class={`badge ${a.state}`} title={a.reason}>
                            {a.state}
                          </span>
                          <ModeBadge mode={a.mode} />
                          <Show when={a.trading && a.trading.state !== 'active'}>
                            <div>
                              <span class={`badge trading ${a.trading.state}`} title={a.trading.reason} data-overview-trading={a.trading.state}>
                                {a.trading.state}
                              </span>
                            </div>
                          </Show>
                        </td>
                        <td class={`num ${tone(a.realizedPnlCents)}`}>{fmt.signedUsd(a.realizedPnlCents / 100)}</td>
                        <td class={`num ${tone(a.openPnl)}`}>
                          {fmt.signedUsd(a.openPnl)}
                          <div class="muted small">{a.openPositions} open</div>
                        </td>
                        <td class="num" data-col="win-rate">{perfOf(a.id).winRate}</td>
                        <td class="num" data-col="profit-factor" title={perfOf(a.id).profitFactorNote}>
                          {perfOf(a.id).profitFactor}
                        </td>
                        <td class="num" data-col="expectancy">{perfOf(a.id).expectancy}</td>
                        <td class="num">{a.trades}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        </div>
      </div>
      <Show when={ws.status()}>{(s) => <StrategyTable agents={s().agents} trades={trades.latest ?? []} startingCash={s().account.initialCash} />}</Show>
      <AlertLog />
    </Page>
  );
}
