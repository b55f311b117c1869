import { createSignal } from 'solid-js';
import { runCommand } from '../state/commands.ts';
import { useWorkspace } from '../state/workspace.ts';
import { notify } from './toasts.tsx';

/** Always in the header: closes every position and halts every agent, after one confirmation. */
export function EmergencyStop() {
  const ws = useWorkspace();
  const [busy, setBusy] = createSignal(false);
  const go = async () => {
    setBusy(true);
    try {
      const r = await runCommand(ws, '#emergency-stop');
      if (r) notify(r.ok ? 'ok' : 'error', r.lines);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button class="danger emergency" data-emergency-stop disabled={busy()} onClick={go} title="Close every position and halt every agent (asks first)">
      ■ Emergency stop
    </button>
  );
}
