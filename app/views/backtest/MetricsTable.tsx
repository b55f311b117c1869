import { For } from 'solid-js';
import type { BacktestMetrics } from '../../../workers/backtest/metrics.ts';
import { fmt } from '../../components/format.ts';
import { refusalRows } from './refusals.ts';

const days = (ms: number) => `${fmt.num(ms / 86_400_000, 1)} d`;

/** The backtest's figures, numbers right-aligned with their units (definitions: docs/BACKTEST.md). */
export function MetricsTable(props: { metrics: BacktestMetrics; openPositions: number; riskApplied?: boolean }) {
  const rows = (): [key: string, label: string, value: string, tone?: 'pos' | 'neg'][] => {
    const m = props.metrics;
    const sign = (v: number) => (v > 0 ? 'pos' : v < 0 ? 'neg' : undefined);
    return [
      ['period', 'Period', `${fmt.date(m.startTime)} → ${fmt.date(m.endTime)}`],
      ['bars', 'Bars', m.bars.toLocaleString('en-US')],
      ['initialEquity', 'Start equity', fmt.usd(m.initialEquity)],
      ['finalEquity', 'Final equity', fmt.usd(m.finalEquity), sign(m.finalEquity - m.initialEquity)],
      ['totalReturnPct', 'Total return', fmt.signedPct(m.totalReturnPct), sign(m.totalReturnPct)],
      ['cagrPct', 'CAGR', fmt.signedPct(m.cagrPct), sign(m.cagrPct)],
      ['sharpe', 'Sharpe (annualised)', fmt.num(m.sharpe)],
      ['sortino', 'Sortino (annualised)', fmt.num(m.sortino)],
      ['maxDrawdownPct', 'Max drawdown', fmt.pct(m.maxDrawdownPct), m.maxDrawdownPct > 0 ? 'neg' : undefined],
      ['maxDrawdownDuration', 'Max drawdown duration', `${days(m.maxDrawdownDurationMs)} (${m.maxDrawdownDurationBars.toLocaleString('en-US')} bars)`],
      ['trades', 'Trades', m.trades.toLocaleString('en-US')],
      ['winRatePct', 'Win rate', fmt.pct(m.winRatePct, 1)],
      ['profitFactor', 'Profit factor', fmt.num(m.profitFactor)],
      ['expectancy', 'Expectancy per trade', fmt.signedUsd(m.expectancy), sign(m.expectancy)],
      ['avgTradeReturnPct', 'Average trade return', fmt.signedPct(m.avgTradeReturnPct, 3)],
      ['bestTrade', 'Best trade', fmt.signedUsd(m.bestTrade), sign(m.bestTrade)],
      ['worstTrade', 'Worst trade', fmt.signedUsd(m.worstTrade), sign(m.worstTrade)],
      ['exposurePct', 'Exposure', fmt.pct(m.exposurePct, 1)],
      ['commissions', 'Commissions', fmt.usd(m.commissions)],
      ['openPositions', 'Open at the end', String(props.openPositions)],
      ...refusalRows(m.refusals ?? {}, props.riskApplied ?? false),
    ];
  };
  return (
    <div class="table-wrap">
    <table class="grid" data-metrics>
      <caption class="field-hint" style={{ 'text-align': 'left' }}>Metrics (money in USD, the account currency)</caption>
      <tbody>
        <For each={rows()}>
          {([key, label, value, tone]) => (
            <tr data-metric={key}>
              <th scope="row">{label}</th>
              <td class={`num ${tone ?? ''}`}>{value}</td>
            </tr>
          )}
        </For>
      </tbody>
    </table>
    </div>
  );
}
