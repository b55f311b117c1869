import { RelayClient } from './relay-client.ts';
import { RELAY_OWNER } from './remote-workspace.ts';
import type { Workspace } from '../state/workspace.ts';

const CHOICE = 'tradeguard.workspace';

export type WorkspaceChoice = { kind: 'browser'; notice?: string } | { kind: 'relay'; relay: RelayClient };

/**
 * Which workspace this page shows. A relay prints a URL with a one-time login
 * token in the fragment (a fragment never reaches a server log); the page
 * trades it for a session cookie and removes it from the address bar. After
 * that the choice is remembered for this device, and a live session is
 * enough. Anything else is this browser's own workspace.
 */
export async function chooseWorkspace(): Promise<WorkspaceChoice> {
  const relay = new RelayClient(location.origin);
  const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('login');
  if (token) {
    history.replaceState(null, '', location.pathname + location.search + '#/overview');
    try {
      await relay.login(token);
      localStorage.setItem(CHOICE, 'relay');
      return { kind: 'relay', relay };
    } catch (e) {
      return { kind: 'browser', notice: `Could not attach to the relay: ${(e as Error).message}. Showing this browser's workspace.` };
    }
  }
  if (localStorage.getItem(CHOICE) === 'relay') {
    if (await relay.attached()) return { kind: 'relay', relay };
    return { kind: 'browser', notice: "The relay session has ended or the relay is not reachable: showing this browser's workspace. Open the URL the relay prints to attach again." };
  }
  return { kind: 'browser' };
}

/** Switches this device back to its own workspace (the relay keeps running). */
export function useBrowserWorkspace(): void {
  localStorage.setItem(CHOICE, 'browser');
  location.reload();
}

/** True when the workspace on screen is a relay's (its data and engine live there, not in this browser). */
export const attachedToRelay = (ws: Workspace) => ws.engine?.().ownerTabId === RELAY_OWNER;
