import { For } from 'solid-js';
import type { Performance } from '../../../workers/performance/performance.ts';
import { fmt, tone } from '../../components/format.ts';
import { perfCells } from './perf-text.ts';

export interface PerfRow {
  /** What the row's data-perf-row attribute says (a symbol, an alpha source). */
  key: string;
  label: string;
  /** A muted line under the label (the agents of a source). */
  detail?: string;
  performance: Performance;
}

/**
 * Groups of closed trades side by side: trades, win rate, profit factor,
 * expectancy, net P&L and realised drawdown, measured by
 * workers/performance (what /performance and /strategy-performance print).
 * `name` is the table's data-perf-table value ('symbol', 'strategy').
 */
export function PerfTable(props: { name: string; head: string; rows: PerfRow[] }) {
  return (
    <div class="table-wrap">
      <table data-perf-table={props.name}>
        <thead>
          <tr>
            <th>{props.head}</th>
            <th class="num">Trades</th>
            <th class="num">Win rate</th>
            <th class="num">Profit factor</th>
            <th class="num">Expectancy</th>
            <th class="num">Net P&L</th>
            <th class="num" title="Deepest fall of the starting cash plus these trades' closed P&L, in exit order">Max drawdown</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.rows}>
            {(r) => {
              const c = () => perfCells(r.performance);
              return (
                <tr data-perf-row={r.key}>
                  <td>
                    {r.label}
                    {r.detail && <div class="muted small">{r.detail}</div>}
                  </td>
                  <td class="num" data-col="trades">{r.performance.trades}</td>
                  <td class="num" data-col="win-rate">{c().winRate}</td>
                  <td class="num" data-col="profit-factor" title={c().profitFactorNote}>{c().profitFactor}</td>
                  <td class={`num ${tone(r.performance.expectancy || 0)}`} data-col="expectancy">{c().expectancy}</td>
                  <td class={`num ${tone(r.performance.netPnl)}`} data-col="net-pnl">{fmt.signedUsd(r.performance.netPnl)}</td>
                  <td class="num" data-col="max-drawdown">{fmt.pct(r.performance.maxDrawdownPct)}</td>
                </tr>
              );
            }}
          </For>
        </tbody>
      </table>
    </div>
  );
}
