import { createResource, createSignal, For, Show } from 'solid-js';
import type { AgentSummary } from '../../../workers/host/api.ts';
import { agentReadiness } from '../../../workers/host/agent-readiness.ts';
import type { GateResult } from '../../../workers/readiness/checklist.ts';
import { confirmAction } from '../../components/confirm.tsx';
import { notify } from '../../components/toasts.tsx';
import { useWorkspace } from '../../state/workspace.ts';

/**
 * An agent's readiness checklist (workers/readiness): each gate with the
 * agent's number, the threshold and green or red, read from its paper record
 * while the panel is open. On a live workspace a paper agent's "Go live" asks
 * first, and with a red gate asks for the override's reason, which the host
 * records; a live agent goes back to paper the same way. The host judges the
 * gates again when the command arrives.
 */
export function Readiness(props: { agent: AgentSummary }) {
  const ws = useWorkspace();
  const [open, setOpen] = createSignal(false);
  const [reason, setReason] = createSignal('');
  const [askReason, setAskReason] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  // Going live starts the capital ramp (docs/RISK.md) unless the trader unticks it.
  const [withRamp, setWithRamp] = createSignal(true);
  const [r] = createResource(
    () => (open() ? [ws.version(), props.agent.id] : false),
    async () => {
      const s = ws.status();
      const rec = await ws.store.agents.get(props.agent.id);
      if (!s || !rec) return null;
      return agentReadiness(ws.store, { config: rec.config, workspace: s.mode, startingCash: s.account.initialCash || s.account.equity, now: s.clockTime });
    },
  );
  const live = () => ws.status()?.mode === 'live';
  const red = () => r.latest?.gates.filter((g) => !g.green) ?? [];
  const broker = () => ws.status()?.broker.name ?? 'the broker';

  async function send(mode: 'paper' | 'live', override?: string) {
    setBusy(true);
    try {
      const noRamp = mode === 'live' && !withRamp();
      const res = await ws.host.command({ kind: 'agent.mode', agentId: props.agent.id, mode, ...(override ? { override: { reason: override } } : {}), ...(noRamp ? { ramp: 'off' as const } : {}) });
      notify(res.ok ? 'ok' : 'error', res.ok ? res.message : res.reason);
      if (res.ok) {
        setAskReason(false);
        setReason('');
      }
    } finally {
      setBusy(false);
    }
  }

  async function goLive() {
    const gates = red();
    if (gates.length && !reason().trim()) {
      setAskReason(true);
      return;
    }
    const why = reason().trim();
    const redText = gates.length ? ` ${gates.length} readiness gate(s) are red: ${gates.map((g) => g.text).join('; ')}. Override reason recorded: "${why}".` : ' Every readiness gate is green.';
    const rampText = withRamp() ? ' It starts on the capital ramp: a small share of its capital, stepped up only while live keeps matching paper.' : ' The capital ramp is OFF: it trades its whole capital from the first order.';
    if (!(await confirmAction(`Move agent ${props.agent.id} to LIVE? Its next orders go to ${broker()} with real money.${rampText}${redText}`, { confirmLabel: 'Go live' }))) return;
    await send('live', gates.length ? why : undefined);
  }

  async function backToPaper() {
    if (!(await confirmAction(`Move agent ${props.agent.id} to paper? Its next orders fill in the paper book on the same bars and no longer reach ${broker()}.`, { confirmLabel: 'Back to paper', danger: false }))) return;
    await send('paper');
  }

  return (
    <details class="readiness" data-readiness={props.agent.id} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Readiness for live
        <Show when={r.latest}>{(x) => <span class="muted small"> · {x().gates.filter((g) => g.green).length} of {x().gates.length} gates green</span>}</Show>
      </summary>
      <Show when={r.latest} fallback={<p class="muted small">Reading the agent's paper record…</p>}>
        {(x) => (
          <>
            <table class="small" data-readiness-gates>
              <thead>
                <tr>
                  <th />
                  <th>Gate</th>
                  <th class="num">Agent</th>
                  <th class="num">Needed</th>
                </tr>
              </thead>
              <tbody>
                <For each={x().gates}>
                  {(g) => (
                    <tr data-gate={g.key} data-green={String(g.green)} title={g.text}>
                      <td class="gate-mark" aria-label={g.green ? 'green' : 'red'}>
                        {g.green ? '✓' : '✗'}
                      </td>
                      <td>{g.label}</td>
                      <td class="num">{valueText(g)}</td>
                      <td class="num">{thresholdText(g)}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
            <For each={x().mismatches}>{(m) => <p class="problem small" data-readiness-mismatch>{`warning: ${m} (going live is refused until it matches)`}</p>}</For>
            <p class="muted small">Measured on the agent's paper record: closed paper trades, and its paper equity at each bar close.</p>
            <Show when={live()} fallback={<p class="muted small">This workspace replays stored bars: its agents trade paper. Live orders need the relay's live workspace.</p>}>
              <Show
                when={props.agent.mode === 'paper'}
                fallback={
                  <button disabled={busy()} onClick={backToPaper} data-action="to-paper">
                    Back to paper
                  </button>
                }
              >
                <Show when={askReason() || reason()}>
                  <div class="override">
                    <label class="small" for={`override-${props.agent.id}`}>
                      {red().length} gate(s) red: why go live anyway?
                    </label>
                    <input id={`override-${props.agent.id}`} name="override-reason" maxLength={500} value={reason()} onInput={(e) => setReason(e.currentTarget.value)} data-override-reason />
                  </div>
                </Show>
                <label class="small">
                  <input type="checkbox" checked={withRamp()} onChange={(e) => setWithRamp(e.currentTarget.checked)} data-ramp-choice /> Start on the capital ramp
                </label>
                <button class="danger" disabled={busy()} onClick={goLive} data-action="go-live">
                  {red().length && reason().trim() ? 'Go live with override' : 'Go live'}
                </button>
              </Show>
            </Show>
          </>
        )}
      </Show>
    </details>
  );
}

function valueText(g: GateResult): string {
  if (Number.isNaN(g.value)) return '–';
  if (g.value === Infinity) return '∞';
  switch (g.key) {
    case 'win-rate':
    case 'max-drawdown':
      return `${g.value.toFixed(1)} %`;
    case 'profit-factor':
    case 'sharpe':
      return g.value.toFixed(2);
    default:
      return String(g.value);
  }
}

function thresholdText(g: GateResult): string {
  const unit = g.key === 'win-rate' || g.key === 'max-drawdown' ? ' %' : '';
  return `${g.bound === 'min' ? '≥' : '≤'} ${g.threshold}${unit}`;
}
