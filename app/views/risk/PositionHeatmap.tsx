import { For, Show } from 'solid-js';
import { fmt } from '../../components/format.ts';
import { heatColour, type PositionRisk } from './risk-model.ts';

/**
 * Every open position as a tile coloured by the equity it puts at risk
 * (from the last close to its stop, x volume): green near nothing, red at `redAtPct` % of equity
 * or more, and red without a stop. The figures are written on each tile.
 */
export function PositionHeatmap(props: { risks: PositionRisk[]; redAtPct: number }) {
  return (
    <div data-heatmap>
      <Show when={props.risks.length > 0} fallback={<p class="muted" data-no-positions>No open positions: nothing is at risk.</p>}>
        <div class="heatmap">
          <For each={props.risks}>
            {(r) => (
              <div class="heat-tile" style={{ background: heatColour(r.pct, r.hasStop, props.redAtPct) }} data-heat-tile={r.id} data-risk-pct={r.pct}>
                <div>
                  <strong>{r.symbol}</strong> {r.side === 1 ? 'long' : 'short'}
                </div>
                <div class="small">
                  {r.agentId} · {fmt.units(r.volumeUnits)}
                </div>
                <div class="tabular">{fmt.pct(r.pct)} of equity</div>
                <div class="small tabular">{r.hasStop ? `${fmt.usd(r.atRisk)} to the stop` : `no stop: all ${fmt.usd(r.atRisk)} at risk`}</div>
              </div>
            )}
          </For>
        </div>
        <div class="heat-legend small muted">
          0 % <span class="scale" /> {fmt.pct(props.redAtPct, 1)} of equity or more, or no stop
        </div>
      </Show>
    </div>
  );
}
