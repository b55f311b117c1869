import { createSignal, For, Show } from 'solid-js';
import type { RiskLockPayload } from '../../../workers/trading/events.ts';
import { confirmAction } from '../../components/confirm.tsx';
import { fmt } from '../../components/format.ts';
import { sendCommand } from '../../components/TradingState.tsx';
import { useWorkspace } from '../../state/workspace.ts';

/** Active protection locks (stop-loss guard, cooldown, low profit, drawdown), each with its expiry and an Unlock button. */
export function LocksPanel() {
  const ws = useWorkspace();
  const [busy, setBusy] = createSignal(false);
  const locks = () => ws.status()?.risk?.locks ?? [];

  const unlock = async (l: RiskLockPayload) => {
    const all = locks().filter((x) => x.target === l.target);
    const what = all.map((x) => `${x.rule} until ${fmt.time(x.until)} UTC`).join('; ');
    if (!(await confirmAction(`Remove ${all.length} lock(s) on ${l.target}? ${what}. Its protection ends now.`, { confirmLabel: 'Unlock' }))) return;
    setBusy(true);
    try {
      await sendCommand(ws, { kind: 'risk.unlock', target: l.target });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="panel" data-locks>
      <h2>Locks</h2>
      <Show when={locks().length > 0} fallback={<p class="muted" data-no-locks>No active locks: no symbol or agent is held back by a protection.</p>}>
        <ul class="status-list">
          <For each={locks()}>
            {(l) => (
              <li data-lock={l.target} data-lock-rule={l.rule} data-lock-id={l.lockId}>
                <span class="badge danger">{l.scope}</span>
                <span>
                  <strong>{l.target}</strong> locked by {l.rule} until <span class="tabular">{fmt.time(l.until)} UTC</span>
                  <div class="muted small">{l.reason}</div>
                </span>
                <button class="small" disabled={busy()} onClick={() => unlock(l)} data-unlock={l.target}>
                  Unlock
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}
