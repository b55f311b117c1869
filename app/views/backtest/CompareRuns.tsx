import { For, Show } from 'solid-js';
import type { Comparison } from '../../../workers/backtest/compare-runs.ts';
import { fmt } from '../../components/format.ts';
import { CompareChart, RUN_COLOURS } from './CompareChart.tsx';

const value = (unit: string, v: number) => (unit === '%' ? fmt.pct(v) : unit === 'money' ? fmt.usd(v) : Number.isInteger(v) && Math.abs(v) >= 1 ? v.toLocaleString('en-US') : fmt.num(v));

/** Two or more stored runs side by side: what differs in their settings, their metrics (best of each row marked) and their curves overlaid. */
export function CompareRuns(props: { comparison: Comparison; onClose: () => void }) {
  const c = () => props.comparison;
  // Each run is labelled by its name and, when names repeat, its id's tail.
  const names = () => c().runs.map((r) => (c().runs.filter((x) => x.name === r.name).length > 1 ? `${r.name} (${r.id.slice(-6)})` : r.name));
  return (
    <div class="panel" data-compare-runs>
      <div class="actions">
        <h3 style={{ flex: 1 }}>Comparing {c().runs.length} runs</h3>
        <button type="button" class="btn" onClick={() => props.onClose()} data-action="close-compare">Close</button>
      </div>
      <Show when={c().differences.length > 0} fallback={<p class="field-hint">Same settings, market and period.</p>}>
        <div class="table-wrap">
          <table class="grid" data-compare-settings>
            <caption class="field-hint" style={{ 'text-align': 'left' }}>Settings that differ</caption>
            <thead><tr><th scope="col">Setting</th><For each={names()}>{(n) => <th scope="col">{n}</th>}</For></tr></thead>
            <tbody>
              <For each={c().differences}>{(d) => <tr><th scope="row">{d.label}</th><For each={d.values}>{(v) => <td>{v}</td>}</For></tr>}</For>
            </tbody>
          </table>
        </div>
      </Show>
      <div class="two-col">
        <div class="table-wrap">
          <table class="grid" data-compare-metrics>
            <caption class="field-hint" style={{ 'text-align': 'left' }}>Metrics (best of each row in bold; money in USD)</caption>
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <For each={names()}>{(n, i) => <th scope="col" class="num"><i class="swatch" style={{ background: RUN_COLOURS[i() % RUN_COLOURS.length], display: 'inline-block', width: '10px', height: '10px', 'margin-right': '4px' }} />{n}</th>}</For>
              </tr>
            </thead>
            <tbody>
              <For each={c().rows}>
                {(row) => (
                  <tr data-compare-metric={row.key}>
                    <th scope="row">{row.label}</th>
                    <For each={row.values}>{(v, i) => <td class="num" data-best={row.best.includes(i()) ? '' : undefined} style={row.best.includes(i()) ? { 'font-weight': '700' } : undefined}>{value(row.unit, v)}</td>}</For>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
        <CompareChart time={c().curves.time} returnPct={c().curves.returnPct} names={names()} />
      </div>
    </div>
  );
}
