import { createSignal, For, Show } from 'solid-js';
import type { TradeRecord } from '../../../workers/store/projections.ts';
import { fmt, utcMinute } from '../settings/form-fields.tsx';

const PAGE = 200;

/** Closed trades, newest first; long lists show a page at a time. */
export function TradeTable(props: { trades: readonly TradeRecord[] }) {
  const [shown, setShown] = createSignal(PAGE);
  const rows = () => [...props.trades].reverse().slice(0, shown());
  return (
    <div class="scroll-x">
      <h3>Trades ({props.trades.length.toLocaleString('en-US')})</h3>
      <Show when={props.trades.length > 0} fallback={<p class="field-hint">No closed trades.</p>}>
        <table class="grid" data-trades>
          <thead>
            <tr>
              <th>Entry (UTC)</th><th>Side</th><th class="num">Units</th><th class="num">Entry</th><th>Exit (UTC)</th><th class="num">Exit</th><th>Reason</th><th class="num">Net P&amp;L</th><th class="num">Return</th>
            </tr>
          </thead>
          <tbody>
            <For each={rows()}>
              {(t) => (
                <tr>
                  <td>{utcMinute(t.entryTime)}</td>
                  <td class={t.side === 1 ? 'pos' : 'neg'}>{t.side === 1 ? 'long' : 'short'}</td>
                  <td class="num">{t.volumeUnits.toLocaleString('en-US')}</td>
                  <td class="num">{t.entryPrice}</td>
                  <td>{utcMinute(t.exitTime)}</td>
                  <td class="num">{t.exitPrice}</td>
                  <td>{t.reason}</td>
                  <td class={`num ${t.netPnl >= 0 ? 'pos' : 'neg'}`}>{fmt(t.netPnl)}</td>
                  <td class="num">{fmt(t.returnPct, 3)} %</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
        <Show when={props.trades.length > shown()}>
          <button type="button" class="btn" onClick={() => setShown(shown() + PAGE)}>Show {Math.min(PAGE, props.trades.length - shown())} more</button>
        </Show>
      </Show>
    </div>
  );
}
