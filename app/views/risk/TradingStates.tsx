import { createSignal, For, Show } from 'solid-js';
import type { TradingState } from '../../../workers/trading/events.ts';
import { confirmAction } from '../../components/confirm.tsx';
import { fmt } from '../../components/format.ts';
import { TradingStateBadge, sendCommand } from '../../components/TradingState.tsx';
import { useWorkspace } from '../../state/workspace.ts';

/**
 * The account's state and each agent's: its own, and the one it trades under
 * (the stricter of its own and the account's), with reason, who set it, since
 * when, and when it resumes. Each agent can be halted, reduced or resumed here.
 */
export function TradingStates() {
  const ws = useWorkspace();
  const [busy, setBusy] = createSignal(false);
  const risk = () => ws.status()?.risk;

  const set = async (state: TradingState, agentId: string) => {
    if (state === 'active') {
      const own = risk()?.agents[agentId];
      const account = risk()?.account;
      const still = account && account.state !== 'active' ? ` The account stays ${account.state}, so ${agentId} still trades as ${account.state} until the account resumes.` : '';
      if (!(await confirmAction(`Resume trading for agent ${agentId}? This lifts: ${own?.state ?? 'its state'} — ${own?.reason ?? ''}.${still}`, { confirmLabel: 'Resume agent' }))) return;
    }
    setBusy(true);
    try {
      await sendCommand(ws, { kind: 'trading.state', state, agentId });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="panel" data-trading-states>
      <h2>Trading states</h2>
      <Show when={risk()} fallback={<p class="muted">Waiting for the engine…</p>}>
        {(r) => (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Scope</th>
                  <th>State and why</th>
                  <th>Since, by</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                <tr data-state-row="account">
                  <td>
                    <strong>Account</strong>
                  </td>
                  <td>
                    <TradingStateBadge name="account" state={r().account.state} reason={r().account.reason} resumeAt={r().account.resumeAt} />
                  </td>
                  <td class="small">{r().account.by === 'start' ? '–' : `${fmt.time(r().account.since)} · ${r().account.by}`}</td>
                  <td />
                </tr>
                <For each={ws.status()?.agents ?? []}>
                  {(a) => {
                    const own = () => r().agents[a.id];
                    return (
                      <tr data-state-row={a.id}>
                        <td>
                          <a href={`#/agents?agent=${encodeURIComponent(a.id)}`}>{a.name}</a>
                          <div class="muted small">{a.id}</div>
                        </td>
                        <td>
                          <TradingStateBadge name={a.id} state={a.trading.state} reason={a.trading.reason} resumeAt={a.trading.resumeAt} />
                          <Show when={own() && own()!.state !== a.trading.state}>
                            <div class="muted small">its own state: {own()!.state} (the account's is stricter)</div>
                          </Show>
                        </td>
                        <td class="small">{own() && own()!.by !== 'start' ? `${fmt.time(own()!.since)} · ${own()!.by}` : '–'}</td>
                        <td>
                          <div class="risk-actions">
                            <Show when={own()?.state !== 'halted'}>
                              <button class="small" disabled={busy()} onClick={() => set('halted', a.id)} data-agent-halt={a.id}>
                                Halt
                              </button>
                            </Show>
                            <Show when={own()?.state === 'active'}>
                              <button class="small" disabled={busy()} onClick={() => set('reducing', a.id)} data-agent-reduce={a.id}>
                                Reduce
                              </button>
                            </Show>
                            <Show when={own() && own()!.state !== 'active'}>
                              <button class="small" disabled={busy()} onClick={() => set('active', a.id)} data-agent-resume={a.id}>
                                Resume
                              </button>
                            </Show>
                          </div>
                        </td>
                      </tr>
                    );
                  }}
                </For>
              </tbody>
            </table>
          </div>
        )}
      </Show>
    </div>
  );
}
