import { createSignal, onMount } from 'solid-js';
import { loadCommands, preloadCommands } from '../state/commands-lazy.ts';
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
  onMount(preloadCommands);
  const go = async () => {
    setBusy(true);
    try {
      const r = await (await loadCommands()).runCommand(ws, '#emergency-stop');
      if (r) notify(r.ok ? 'ok' : 'error', r.lines);
    } catch (e) {
      notify('error', `Emergency stop not sent: ${e instanceof Error ? e.message : String(e)}`);
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
