import { createMemo, createSignal, For, Show } from 'solid-js';
import { periodRows, type PeriodKind } from '../../../workers/performance/periods.ts';
import type { TradeRecord } from '../../../workers/store/projections.ts';
import { fmt, tone } from '../../components/format.ts';

const KINDS: { kind: PeriodKind; label: string; head: string }[] = [
  { kind: 'day', label: 'Daily', head: 'Day' },
  { kind: 'week', label: 'Weekly', head: 'ISO week' },
  { kind: 'month', label: 'Monthly', head: 'Month' },
];
const ROWS = 30;

/**
 * Realised P&L by day, ISO week or month (UTC on the engine clock, as /daily,
 * /weekly and /monthly count it: a trade counts where its exit falls), newest
 * first; a period without a closed trade has no row.
 */
export function PeriodTable(props: { trades: readonly TradeRecord[] }) {
  const [kind, setKind] = createSignal<PeriodKind>('day');
  const rows = createMemo(() => periodRows(props.trades, kind()));
  return (
    <div data-period-tables>
      <div class="row small" role="group" aria-label="Period">
        <For each={KINDS}>
          {(k) => (
            <button class={k.kind === kind() ? 'primary' : ''} aria-pressed={k.kind === kind()} data-period-kind={k.kind} onClick={() => setKind(k.kind)}>
              {k.label}
            </button>
          )}
        </For>
      </div>
      <Show when={rows().length > 0} fallback={<p class="muted small">No closed trade yet.</p>}>
        <div class="table-wrap">
          <table data-period-table={kind()}>
            <thead>
              <tr>
                <th>{KINDS.find((k) => k.kind === kind())!.head} (UTC)</th>
                <th class="num">Trades</th>
                <th class="num">Win rate</th>
                <th class="num">Net P&L</th>
              </tr>
            </thead>
            <tbody>
              <For each={rows().slice(0, ROWS)}>
                {(r) => (
                  <tr data-period={r.label}>
                    <td class="tabular">{r.label}</td>
                    <td class="num" data-col="trades">{r.tally.trades}</td>
                    <td class="num" data-col="win-rate">{fmt.pct((r.tally.wins / r.tally.trades) * 100, 1)}</td>
                    <td class={`num ${tone(r.tally.netPnl)}`} data-col="net-pnl">{fmt.signedUsd(r.tally.netPnl)}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
        <Show when={rows().length > ROWS}>
          <p class="muted small">The newest {ROWS} of {rows().length} periods with trades.</p>
        </Show>
      </Show>
    </div>
  );
}
