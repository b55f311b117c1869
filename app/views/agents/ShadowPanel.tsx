import { createResource, createSignal, For, Show } from 'solid-js';
import type { AgentSummary, WorkspaceCommand } from '../../../workers/host/api.ts';
import { wholeRecord } from '../../../workers/commands/compare-agent.ts';
import { modelVersions, promoteQuestion, rollbackQuestion, shadowComparison } from '../../../workers/commands/shadow.ts';
import { confirmAction } from '../../components/confirm.tsx';
import { fmt, tone } from '../../components/format.ts';
import { useWorkspace } from '../../state/workspace.ts';
import { MODEL_ROLES, shadowChoices, shadowStats, type ModelRole } from './shadow-panel.ts';

/**
 * Model versions for one agent (what #shadow, /shadow, #promote and #rollback
 * do): the version it trades per role, another stored version run in shadow
 * beside it (same bars, decisions recorded, no orders), the two compared as
 * they go, then promoted or rolled back, each asked first. Read from the
 * record while the panel is open, and again after each write.
 */
export function ShadowPanel(props: { agent: AgentSummary }) {
  const ws = useWorkspace();
  const [open, setOpen] = createSignal(false);
  const [picked, setPicked] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [message, setMessage] = createSignal<{ ok: boolean; text: string } | null>(null);

  const [view] = createResource(
    () => (open() ? [ws.version()] : false),
    async () => {
      const id = props.agent.id;
      const [events, models] = await Promise.all([wholeRecord(ws.store), ws.store.models.list()]);
      const v = modelVersions(events, id);
      // The latest shadow's record, running or stopped (null: none yet, or it has decided nothing).
      const compared = await shadowComparison(ws.store, id, events).catch(() => null);
      return { v, choices: shadowChoices(models, v.current), compared };
    },
  );

  async function act(c: WorkspaceCommand, question?: string) {
    if (question && !(await confirmAction(question, { confirmLabel: c.kind === 'agent.rollback' ? 'Roll back' : 'Promote' }))) return;
    setBusy(true);
    try {
      const r = await ws.host.command(c);
      setMessage(r.ok ? { ok: true, text: r.message } : { ok: false, text: r.reason });
    } finally {
      setBusy(false);
    }
  }

  const id = () => props.agent.id;
  const running = () => view.latest?.v.shadow ?? null;
  const roleOf = (modelId: string) => (MODEL_ROLES.find((r) => modelId.startsWith(`${r}:`)) ?? 'alpha') as ModelRole;
  const start = () => {
    const m = picked() || view.latest?.choices.find((c) => c.ids.length)?.ids[0];
    if (m) void act({ kind: 'agent.shadow', agentId: id(), role: roleOf(m), modelId: m });
  };
  const promote = () => {
    const d = view.latest;
    if (d?.v.shadow) void act({ kind: 'agent.promote-shadow', agentId: id() }, promoteQuestion(id(), d.v.shadow, d.v.current, d.compared?.modelId === d.v.shadow.modelId ? d.compared : null));
  };
  const rollback = () => {
    const d = view.latest;
    if (d?.v.previous.length) void act({ kind: 'agent.rollback', agentId: id() }, rollbackQuestion(id(), d.v));
  };

  return (
    <details class="agent-perf" data-shadow={id()} data-shadow-running={running()?.modelId} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Model versions</summary>
      <p class="small muted">Another version of a model runs in shadow beside the one this agent trades: the same bars, its decisions recorded, no orders. Compare, then promote it or roll back.</p>
      <Show when={view.latest} fallback={<p class="muted small">{view.error ? (view.error as Error).message : 'Reading the record…'}</p>}>
        {(d) => (
          <>
            <Show when={d().choices.length > 0} fallback={<p class="muted small" data-shadow-none>This agent trades no model: there is no version to shadow.</p>}>
              <dl class="perf-stats" data-shadow-versions>
                <For each={d().choices}>
                  {(c) => (
                    <div data-shadow-role={c.role}>
                      <dt>{c.role}</dt>
                      <dd>{c.current}</dd>
                    </div>
                  )}
                </For>
              </dl>
            </Show>
            <Show when={!running() && d().choices.some((c) => c.ids.length)}>
              <div class="row small">
                <label>
                  Version{' '}
                  <select value={picked()} onChange={(e) => setPicked(e.currentTarget.value)} data-shadow-pick>
                    <For each={d().choices.filter((c) => c.ids.length)}>
                      {(c) => (
                        <optgroup label={`${c.role} (trades ${c.current})`}>
                          <For each={c.ids}>{(m) => <option value={m}>{m}</option>}</For>
                        </optgroup>
                      )}
                    </For>
                  </select>
                </label>
                <button disabled={busy()} onClick={start} data-action="shadow-start">
                  Run in shadow
                </button>
              </div>
            </Show>
            <Show when={!running() && d().choices.length > 0 && !d().choices.some((c) => c.ids.length)}>
              <p class="muted small">No other version of its models is stored: import one on the Models page.</p>
            </Show>
            <Show when={running()}>
              {(s) => (
                <p class="small" data-shadow-status>
                  <strong>{s().modelId}</strong> runs in shadow of its {s().role} model {d().v.current[s().role]}.
                </p>
              )}
            </Show>
            <Show when={d().compared}>
              {(r) => (
                <>
                  <p class="small muted">
                    {r().modelId} {running()?.modelId === r().modelId ? 'in shadow' : '(stopped)'}, bars {fmt.time(r().trades.from)} – {fmt.time(r().trades.to)} UTC
                  </p>
                  <dl class="perf-stats" data-shadow-summary>
                    <For each={shadowStats(r(), (c) => fmt.signedUsd(c / 100))}>
                      {(st) => (
                        <div data-shadow-stat={st.name}>
                          <dt>{st.label}</dt>
                          <dd class={st.toneCents ? tone(st.toneCents) : ''}>{st.value}</dd>
                        </div>
                      )}
                    </For>
                  </dl>
                  <ul class="status-list small" data-shadow-differing>
                    <For each={r().decisions.firstDiffering}>
                      {(x) => (
                        <li>
                          {fmt.time(x.barTime)} {x.symbol}: current {x.current} | shadow {x.shadow}
                        </li>
                      )}
                    </For>
                  </ul>
                  <For each={r().trades.notes}>{(n) => <p class="muted small">{n}</p>}</For>
                </>
              )}
            </Show>
            <div class="controls">
              <Show when={running()}>
                <button disabled={busy()} onClick={() => act({ kind: 'agent.shadow-stop', agentId: id() })} data-action="shadow-stop">
                  Stop shadow
                </button>
                <button class="primary" disabled={busy()} onClick={promote} data-action="promote">
                  Promote
                </button>
              </Show>
              <Show when={d().v.previous.length > 0}>
                <button class="danger" disabled={busy()} onClick={rollback} data-action="rollback">
                  Roll back
                </button>
              </Show>
            </div>
          </>
        )}
      </Show>
      <Show when={message()}>
        {(m) => (
          <p class={m().ok ? 'muted small' : 'problem'} role={m().ok ? 'status' : 'alert'} data-shadow-message={m().ok ? 'ok' : 'refused'}>
            {m().text}
          </p>
        )}
      </Show>
    </details>
  );
}
