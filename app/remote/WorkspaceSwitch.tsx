import { createResource, Show } from 'solid-js';
import { notify } from '../components/toasts.tsx';
import { useBrowserWorkspace, type WorkspaceChoice } from './attach.ts';
import { RelayClient } from './relay-client.ts';

/**
 * Next to the engine badge: back to this browser's workspace when attached to
 * a relay; when the page came from a relay but shows the browser's own
 * workspace, a way to attach with the relay's token.
 */
export function WorkspaceSwitch(props: { choice: WorkspaceChoice }) {
  const relay = new RelayClient(location.origin);
  const [servedByRelay] = createResource(async () => {
    // Offline there is no relay to attach to, and a request that cannot succeed is noise.
    if (props.choice.kind === 'relay' || !navigator.onLine) return false;
    try {
      const r = await fetch('/health', { credentials: 'same-origin' });
      return r.ok && (await r.json()).ok === true;
    } catch {
      return false;
    }
  });
  const attach = async () => {
    const token = window.prompt('The relay token (TRADEGUARD_RELAY_TOKEN), or the one-time token the relay printed:');
    if (!token) return;
    try {
      await relay.login(token.trim());
      localStorage.setItem('tradeguard.workspace', 'relay');
      location.reload();
    } catch (e) {
      notify('error', `Could not attach to the relay: ${(e as Error).message}`);
    }
  };
  return (
    <>
      <Show when={props.choice.kind === 'relay'}>
        <button class="ghost small" data-workspace-switch="browser" onClick={useBrowserWorkspace} title="Show this browser's own workspace; the relay keeps running">
          Use this browser
        </button>
      </Show>
      <Show when={servedByRelay()}>
        <button class="ghost small" data-workspace-switch="relay" onClick={attach} title="Show the workspace the relay runs headless">
          Attach to relay
        </button>
      </Show>
    </>
  );
}
