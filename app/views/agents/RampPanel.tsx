import { For, Show } from 'solid-js';
import type { AgentSummary } from '../../../workers/host/api.ts';
import { rampView } from './ramp-view.ts';
import './ramp.css';

/**
 * A live agent's capital ramp on its card (workers/ramp): the stage and its
 * share of the capital, the days and trades against the stage's minimums,
 * the drawdown in the stage, live against paper, and the next step or why it
 * is held, in the host's words. Nothing for a paper agent or with the ramp off.
 */
export function RampPanel(props: { agent: AgentSummary }) {
  const v = () => rampView(props.agent);
  return (
    <Show when={v()}>
      {(r) => (
        <section class="ramp small" data-ramp={r().agentId} data-ramp-stage={r().stage} data-ramp-fraction={r().fractionPct} data-ramp-state={r().state} aria-label={`Capital ramp of ${r().agentId}`}>
          <h3>Capital ramp: {r().title}</h3>
          <Show when={r().state === 'ramping'}>
            <ul class="ramp-progress">
              <For each={r().progress}>
                {(p) => (
                  <li>
                    <span>{p.label}</span> <progress max={100} value={p.pct} aria-label={`${p.label}: ${p.text}`} /> <span class="tabular">{p.text}</span>
                  </li>
                )}
              </For>
            </ul>
          </Show>
          <p data-ramp-drawdown data-ok={String(r().drawdown.ok)}>
            Drawdown in the stage: <span class="tabular">{r().drawdown.text}</span>
          </p>
          <table>
            <thead>
              <tr>
                <th />
                <th>Live</th>
                <th>Paper</th>
                <th>Holds when</th>
              </tr>
            </thead>
            <tbody>
              <For each={r().vsPaper}>
                {(x) => (
                  <tr data-ok={x.ok === null ? 'none' : String(x.ok)}>
                    <td>{x.label}</td>
                    <td class="num">{x.live}</td>
                    <td class="num">{x.paper}</td>
                    <td>{x.tolerance}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
          <Show when={r().held}>
            <p class="problem" role="status" data-ramp-held>
              {r().held}
            </p>
          </Show>
          <p class="muted" data-ramp-next>
            Next: {r().next}
          </p>
        </section>
      )}
    </Show>
  );
}
