import { createMemo, createResource, createSignal, For, Show } from 'solid-js';
import { Page } from '../../components/Page.tsx';
import { route } from '../../state/route.ts';
import { useWorkspace } from '../../state/workspace.ts';
import { AgentCard } from './AgentCard.tsx';
import { CreateAgentForm } from './CreateAgentForm.tsx';
import type { FormContext } from './agent-form.ts';

/** Every agent as a card, and the form that creates one. */
export default function AgentsView() {
  const ws = useWorkspace();
  const [creating, setCreating] = createSignal(false);
  // What the form offers: the stored series (the replay plays them), the stored models, the ids in use.
  const [formCtx, { refetch }] = createResource(
    () => creating(),
    async (): Promise<FormContext> => {
      const [series, models] = await Promise.all([ws.store.bars.list(), ws.store.models.list()]);
      return {
        series: series.map((s) => ({ symbol: s.symbol, timeframe: s.timeframe })),
        models: models.map((m) => ({ id: m.id, role: m.manifest.role, ...(m.manifest.thresholds ? { thresholds: m.manifest.thresholds } : {}) })),
        agentIds: ws.status()?.agents.map((a) => a.id) ?? [],
        brokerConnected: ws.status()?.mode === 'live' && (ws.status()?.broker.connected ?? false),
      };
    },
  );
  const focus = () => route().params.get('agent');
  // Ids, not the summaries: a new status every step must update the cards, not rebuild them (and their charts).
  const ids = createMemo(
    () => {
      const all = ws.status()?.agents.map((a) => a.id) ?? [];
      const f = focus();
      return f && all.includes(f) ? [f, ...all.filter((a) => a !== f)] : all;
    },
    [],
    { equals: (a, b) => a.length === b.length && a.every((x, i) => x === b[i]) },
  );
  const summary = (id: string) => ws.status()?.agents.find((a) => a.id === id);

  return (
    <Page
      view="agents"
      title="Agents"
      actions={
        <button
          class="primary"
          aria-expanded={creating()}
          data-new-agent
          onClick={() => {
            setCreating((c) => !c);
            void refetch();
          }}
        >
          {creating() ? 'Close the form' : 'New agent'}
        </button>
      }
    >
      <Show when={creating() && formCtx.latest}>{(ctx) => <CreateAgentForm ctx={ctx()} onCreated={() => setCreating(false)} />}</Show>
      <Show when={ws.status()} fallback={<p class="muted">Waiting for the engine…</p>}>
        <div class="agents">
          <For each={ids()} fallback={<p class="muted">No agents yet: create one with “New agent”.</p>}>
            {(id) => <Show when={summary(id)}>{(a) => <AgentCard agent={a()} />}</Show>}
          </For>
        </div>
      </Show>
    </Page>
  );
}
