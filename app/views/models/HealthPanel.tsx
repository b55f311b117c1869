import { createResource, createSignal, For, Show } from 'solid-js';
import type { EngineStore } from '../../../workers/store/store.ts';
import { agentHealthFromStore } from '../../../workers/model-health/from-store.ts';
import type { AgentHealth, FeatureDrift, ModelHealth } from '../../../workers/model-health/report.ts';

/**
 * Model health per agent and model (workers/model-health): drift per feature, worst first;
 * the reliability table; the alpha's hit rate against its validation accuracy; the guard's
 * block rate. Computed from the store when the view opens and on Refresh (the whole record
 * is read, so not at every bar).
 */

const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
const LEVEL_CLASS: Record<string, string> = { drifted: 'down', watch: 'warn', ok: 'up', low: 'down', high: 'down', off: 'down', unknown: 'muted' };
/** Features shown before "all features": the worst ones. */
const TOP = 10;

export function HealthPanel(props: { store: EngineStore; agentIds: () => string[] }) {
  const [tick, setTick] = createSignal(0);
  const [health] = createResource(
    // A string: the status changes every step, the agents rarely; an array would refetch at every step.
    () => `${props.agentIds().join(',')}|${tick()}`,
    async () => {
      const out: (AgentHealth & { missing: string[] })[] = [];
      for (const id of props.agentIds()) {
        const h = await agentHealthFromStore(props.store, id);
        if (h) out.push(h);
      }
      return out;
    },
  );
  return (
    <div class="panel" data-model-health>
      <header class="row">
        <h3>Model health</h3>
        <span class="grow" />
        <button type="button" class="btn" onClick={() => setTick(tick() + 1)} data-action="refresh-health">Refresh</button>
      </header>
      <p class="field-hint">Each agent's models against their bundle: drift of every input feature from the training distribution (PSI: above 0.25 drifted, 0.1 to 0.25 to watch), the alpha's calls labelled with the bundle's triple-barrier labeler, calibration, and the guard's block rate. A crossing raises a 'Model health' alert.</p>
      <Show when={(health.latest ?? []).length > 0} fallback={<p class="field-hint">{health.loading ? 'Computing…' : 'No agent runs a model.'}</p>}>
        <For each={health.latest ?? []}>
          {(h) => (
            <For each={h.models}>
              {(m) => <ModelHealthCard agentId={h.agentId} m={m} />}
            </For>
          )}
        </For>
      </Show>
    </div>
  );
}

function ModelHealthCard(props: { agentId: string; m: ModelHealth }) {
  const m = () => props.m;
  return (
    <article class="model-card" data-health-agent={props.agentId} data-health-model={m().model} data-health-role={m().role}>
      <header class="row">
        <span class="badge">{m().role}</span>
        <strong>{m().model}</strong>
        <span class="muted small">agent {props.agentId}</span>
      </header>
      <dl>
        <Show when={m().hitRate}>
          {(h) => (
            <div data-hit-rate={h().rate ?? ''} data-validation={h().validation ?? ''} data-level={h().level}>
              <dt>Hit rate (triple-barrier outcomes)</dt>
              <dd class={LEVEL_CLASS[h().level]}>{pct(h().rate)} of {h().labelled} labelled calls · validation {pct(h().validation)}{h().note ? ` · ${h().note}` : ''}</dd>
            </div>
          )}
        </Show>
        <Show when={m().blockRate}>
          {(b) => (
            <div data-block-rate={b().recentRate ?? ''} data-validation={b().validation ?? ''} data-level={b().level}>
              <dt>Guard block rate</dt>
              <dd class={LEVEL_CLASS[b().level]}>{pct(b().recentRate)} of the last {b().recentScored} scored (all {b().blocked} of {b().scored}, threshold {Number.isNaN(b().threshold) ? 'n/a' : b().threshold}) · validation {pct(b().validation)}{b().note ? ` · ${b().note}` : ''}</dd>
            </div>
          )}
        </Show>
        <Show when={m().labelNote}><div class="wide"><dt>Outcomes</dt><dd>{m().labelNote}</dd></div></Show>
      </dl>
      <Show when={m().calibration}>
        {(c) => (
          <div data-calibration data-ece={c().ece ?? ''} data-level={c().level}>
            <p class="small">Calibration: {c().what} · ECE <span class={LEVEL_CLASS[c().level]}>{num(c().ece)}</span> on {c().samples}{c().note ? ` · ${c().note}` : ''}</p>
            <div class="table-wrap">
              <table class="grid" data-reliability>
                <thead><tr><th>Predicted</th><th>Count</th><th>Mean predicted</th><th>Realised</th></tr></thead>
                <tbody>
                  <For each={c().buckets.filter((b) => b.count > 0)}>
                    {(b) => (
                      <tr data-reliability-bucket={`${b.from.toFixed(1)}-${b.to.toFixed(1)}`} data-count={b.count} data-realised={b.realised ?? ''}>
                        <td>{b.from.toFixed(1)}–{b.to.toFixed(1)}</td><td>{b.count}</td><td>{pct(b.meanPredicted)}</td><td>{pct(b.realised)}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </div>
        )}
      </Show>
      <Show when={!m().driftNote} fallback={<p class="small muted" data-drift-note>Drift: {m().driftNote}</p>}>
        <p class="small">Drift per feature (PSI, worst first):</p>
        <DriftTable rows={m().drift.slice(0, TOP)} />
        <Show when={m().drift.length > TOP}>
          <details>
            <summary class="small">All {m().drift.length} features</summary>
            <DriftTable rows={m().drift.slice(TOP)} />
          </details>
        </Show>
      </Show>
    </article>
  );
}

function DriftTable(props: { rows: FeatureDrift[] }) {
  return (
    <div class="table-wrap">
      <table class="grid" data-psi-table>
        <thead><tr><th>Feature</th><th>PSI</th><th>Samples</th><th>State</th></tr></thead>
        <tbody>
          <For each={props.rows}>
            {(f) => (
              <tr data-psi-feature={f.feature} data-psi={f.psi ?? ''} data-psi-level={f.level}>
                <td>{f.feature}</td><td class={LEVEL_CLASS[f.level]}>{num(f.psi)}</td><td>{f.samples}</td><td>{f.level === 'unknown' ? (f.note ?? '') : f.level}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  );
}
