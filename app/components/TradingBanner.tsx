import { createSignal, Show } from 'solid-js';
import { useWorkspace } from '../state/workspace.ts';
import { confirmAction } from './confirm.tsx';
import { fmt } from './format.ts';
import { resumeText, sendCommand } from './TradingState.tsx';

/**
 * The account's trading state in the header whenever it is not active: red
 * when halted, amber when reducing, with the reason, when it resumes, and a
 * Resume button (which asks first: resuming lifts a protection).
 */
export function TradingBanner() {
  const ws = useWorkspace();
  const [busy, setBusy] = createSignal(false);
  const account = () => {
    const a = ws.status()?.risk?.account;
    return a && a.state !== 'active' ? a : null;
  };
  const resume = async () => {
    const a = account();
    if (!a) return;
    const agents = Object.entries(ws.status()?.risk?.agents ?? {}).filter(([, s]) => s.state !== 'active');
    const also = agents.length ? ` Every agent resumes too (${agents.map(([id, s]) => `${id}: ${s.state}`).join(', ')}).` : '';
    if (!(await confirmAction(`Resume trading? The account is ${a.state}: ${a.reason}.${also} New entries are allowed again at the next bar.`, { confirmLabel: 'Resume trading' }))) return;
    setBusy(true);
    try {
      await sendCommand(ws, { kind: 'trading.state', state: 'active' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Show when={account()}>
      {(a) => (
        <div class={`trading-banner ${a().state}`} role="alert" data-trading-banner={a().state}>
          <strong>{a().state === 'halted' ? 'Trading halted' : 'Trading reduced (exits only)'}:</strong>
          <span data-trading-reason>{a().reason}</span>
          <span class="muted small">
            {resumeText(a().state, a().resumeAt)} · since {fmt.time(a().since)} UTC · by {a().by}
          </span>
          <span class="grow" />
          <a href="#/risk" class="small">
            Risk view
          </a>
          <button class="primary" disabled={busy()} onClick={resume} data-action="resume-trading">
            Resume trading
          </button>
        </div>
      )}
    </Show>
  );
}
