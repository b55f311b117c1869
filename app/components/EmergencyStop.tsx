import { createSignal } from 'solid-js';
import { runCommand } from '../state/commands.ts';
import { useWorkspace } from '../state/workspace.ts';
import { notify } from './toasts.tsx';

/**
 * Always in the header: cancels every pending entry, closes every position and
 * halts trading for the account and every agent, after one confirmation that
 * lists exactly what (the registry's #emergency-stop, the palette's own words).
 */
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
    <button class="danger emergency" data-emergency-stop disabled={busy()} onClick={go} title="Cancel every pending order, close every position, halt trading (asks first, listing what)">
      ■ Emergency stop
    </button>
  );
}
