import { For, Show } from 'solid-js';
import type { TradeRecord } from '../../../workers/store/projections.ts';
import { fmt } from '../../components/format.ts';
import './performance.css';

const SHOWN = 200;
const H = 100;

/**
 * Each closed trade's net P&L as a bar, in exit order, winners up and losers
 * down from a zero line: plain SVG (no chart library for a few hundred
 * rectangles). The newest 200 when there are more; each bar's title names
 * the trade.
 */
export function TradeBars(props: { trades: readonly TradeRecord[] }) {
  const shown = () => [...props.trades].sort((a, b) => a.exitTime - b.exitTime).slice(-SHOWN);
  const top = () => Math.max(0, ...shown().map((t) => t.netPnl));
  const bottom = () => Math.min(0, ...shown().map((t) => t.netPnl));
  const y = (v: number) => (top() === bottom() ? H / 2 : ((top() - v) / (top() - bottom())) * H);
  return (
    <Show when={shown().length > 0} fallback={<p class="muted small">No closed trade yet.</p>}>
      <svg class="trade-bars" viewBox={`0 0 ${shown().length} ${H}`} preserveAspectRatio="none" role="img" aria-label={`Net P&L of the last ${shown().length} trades`} data-trade-bars={shown().length}>
        <For each={shown()}>
          {(t, i) => (
            <rect x={i() + 0.1} width={0.8} y={Math.min(y(t.netPnl), y(0))} height={Math.max(Math.abs(y(t.netPnl) - y(0)), 0.5)} class={t.netPnl > 0 ? 'up' : 'down'} data-trade-bar={t.id}>
              <title>
                {t.symbol} {t.side === 1 ? 'long' : 'short'}, closed {fmt.time(t.exitTime)}: {fmt.signedUsd(t.netPnl)}
              </title>
            </rect>
          )}
        </For>
        <line class="zero" x1={0} x2={shown().length} y1={y(0)} y2={y(0)} vector-effect="non-scaling-stroke" />
      </svg>
      <Show when={props.trades.length > SHOWN}>
        <p class="muted small">The newest {SHOWN} of {props.trades.length} trades.</p>
      </Show>
    </Show>
  );
}
