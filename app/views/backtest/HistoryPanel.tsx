import { createSignal, For, Show } from 'solid-js';
import type { BacktestSummary } from '../../../workers/backtest/stored-run.ts';
import { fmt } from '../../components/format.ts';

/**
 * The backtest history, newest first: when, what decided (strategy or models), market, period
 * and the key figures of each run. Open one, delete one (asked first), or tick two or more
 * and compare them side by side.
 */
export function HistoryPanel(props: { runs: readonly BacktestSummary[]; openId: string | null; onOpen: (id: string) => void; onDelete: (id: string) => void; onCompare: (ids: string[]) => void }) {
  const [picked, setPicked] = createSignal<string[]>([]);
  const toggle = (id: string, on: boolean) => setPicked((p) => (on ? [...p, id] : p.filter((x) => x !== id)));
  // A run deleted elsewhere leaves the selection.
  const chosen = () => picked().filter((id) => props.runs.some((r) => r.id === id));
  const sign = (v: number) => (v > 0 ? 'pos' : v < 0 ? 'neg' : undefined);
  return (
    <div class="panel" data-backtest-history>
      <h3>History</h3>
      <Show when={props.runs.length > 0} fallback={<p class="muted">No backtests kept yet: every run you make here is kept, with its settings and results.</p>}>
        <div class="actions">
          <button type="button" class="btn" disabled={chosen().length < 2} onClick={() => props.onCompare(chosen())} data-action="compare-runs">
            Compare {chosen().length >= 2 ? `${chosen().length} runs` : '(tick two or more)'}
          </button>
        </div>
        <div class="table-wrap">
          <table class="grid" data-history-table>
            <thead>
              <tr>
                <th scope="col"><span class="sr-only">Compare</span></th>
                <th scope="col">Saved (UTC)</th>
                <th scope="col">Agent</th>
                <th scope="col">Signal and models</th>
                <th scope="col">Market</th>
                <th scope="col">Period (UTC)</th>
                <th scope="col" class="num">Trades</th>
                <th scope="col" class="num">Return</th>
                <th scope="col" class="num">Sharpe</th>
                <th scope="col" class="num">Max DD</th>
                <th scope="col" class="num">Win rate</th>
                <th scope="col"><span class="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              <For each={props.runs}>
                {(r) => (
                  <tr data-history-run={r.id} classList={{ selected: props.openId === r.id }}>
                    <td><input type="checkbox" aria-label={`Compare ${r.name} (${r.id})`} checked={chosen().includes(r.id)} onChange={(e) => toggle(r.id, e.currentTarget.checked)} /></td>
                    <td>{fmt.time(r.createdAt)}</td>
                    <td>{r.name}{r.cancelled ? ' (cancelled)' : ''}</td>
                    <td>{[r.strategy, ...r.models.filter((m) => m !== r.strategy)].join(' + ')}</td>
                    <td>{r.symbol} {r.timeframe}</td>
                    <td>{fmt.date(r.range.from)} → {fmt.date(r.range.to)}</td>
                    <td class="num">{r.trades.toLocaleString('en-US')}</td>
                    <td class={`num ${sign(r.totalReturnPct) ?? ''}`}>{fmt.signedPct(r.totalReturnPct)}</td>
                    <td class="num">{fmt.num(r.sharpe)}</td>
                    <td class="num">{fmt.pct(r.maxDrawdownPct)}</td>
                    <td class="num">{fmt.pct(r.winRatePct, 1)}</td>
                    <td class="actions">
                      <button type="button" class="btn" onClick={() => props.onOpen(r.id)} data-action="open-run">Open</button>
                      <button type="button" class="btn btn-danger" onClick={() => props.onDelete(r.id)} data-action="delete-run">Delete</button>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
    </div>
  );
}
