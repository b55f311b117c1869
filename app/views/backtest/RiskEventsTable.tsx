import { For, Show } from 'solid-js';
import type { RiskReport } from '../../../workers/backtest/risk-report.ts';
import { fmt } from '../../components/format.ts';
import { riskEventRows } from './risk-events.ts';

/** What the limits did over the backtest, in time order: the same record a live run would write. */
export function RiskEventsTable(props: { risk: RiskReport; riskApplied: boolean }) {
  const rows = () => riskEventRows(props.risk);
  return (
    <Show when={props.riskApplied}>
      <div class="table-wrap">
        <table class="grid" data-risk-events>
          <caption class="field-hint" style={{ 'text-align': 'left' }}>What the risk limits did (besides the refusals above), UTC</caption>
          <Show when={rows().length > 0} fallback={<tbody><tr><td class="field-hint">No trading-state change and no lock: no breaker tripped.</td></tr></tbody>}>
            <thead>
              <tr><th>Time</th><th>What</th><th>Why</th></tr>
            </thead>
            <tbody>
              <For each={rows()}>{(r) => <tr><td>{fmt.time(r.time)}</td><td>{r.what}</td><td>{r.detail}</td></tr>}</For>
            </tbody>
          </Show>
        </table>
      </div>
    </Show>
  );
}
