import { createEffect, createSignal, For, on, Show } from 'solid-js';
import type { TradeRecord } from '../../../workers/store/projections.ts';
import { fmt, tone } from '../../components/format.ts';
import { Pager } from '../../components/Pager.tsx';
import { pageSlice } from '../../components/page-rows.ts';

/** Closed trades, newest first, a page at a time (a long backtest has thousands). */
export function TradeTable(props: { trades: readonly TradeRecord[] }) {
  const [page, setPage] = createSignal(0);
  // A new run starts at its newest trades.
  createEffect(on(() => props.trades, () => setPage(0), { defer: true }));
  const rows = () => pageSlice([...props.trades].reverse(), page());
  return (
    <div>
      <h3>Trades ({props.trades.length.toLocaleString('en-US')})</h3>
      <Show when={props.trades.length > 0} fallback={<p class="field-hint">No closed trades.</p>}>
        <div class="table-wrap">
          <table class="grid" data-trades>
            <thead>
              <tr>
                <th>Entry fill (UTC)</th><th>Side</th><th class="num">Units</th><th class="num">Entry</th><th>Exit (UTC)</th><th class="num">Exit</th><th>Reason</th><th class="num">Net P&amp;L</th><th class="num">Return</th>
              </tr>
            </thead>
            <tbody>
              <For each={rows()}>
                {(t) => (
                  <tr>
                    <td>{fmt.time(t.entryTime)}</td>
                    <td class={t.side === 1 ? 'up' : 'down'}>{t.side === 1 ? 'long' : 'short'}</td>
                    <td class="num">{fmt.units(t.volumeUnits)}</td>
                    <td class="num">{fmt.price(t.symbol, t.entryPrice)}</td>
                    <td>{fmt.time(t.exitTime)}</td>
                    <td class="num">{fmt.price(t.symbol, t.exitPrice)}</td>
                    <td>{t.reason}</td>
                    <td class={`num ${tone(t.netPnl)}`}>{fmt.signedUsd(t.netPnl)}</td>
                    <td class="num">{fmt.signedPct(t.returnPct, 3)}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
        <Pager page={page()} onPage={setPage} shown={rows().length} total={props.trades.length} what="trades" />
      </Show>
    </div>
  );
}
