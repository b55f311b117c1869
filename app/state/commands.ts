import { createCommandRegistry, type CommandContext } from '../../workers/commands/index.ts';
import { confirmAction } from '../components/confirm.tsx';
import { isView, navigate } from './route.ts';
import type { Workspace } from './workspace.ts';
import { attachedToRelay } from '../remote/attach.ts';
import { RelayClient } from '../remote/relay-client.ts';
import { relayAlertControl } from '../alerts/relay-alert-control.ts';

/** The one registry of the app (the same one the Telegram bot uses). */
export const registry = createCommandRegistry();

export function commandContext(ws: Workspace): CommandContext {
  return {
    host: ws.host,
    store: ws.store,
    surface: 'pwa',
    source: 'palette',
    openView: (v) => {
      if (isView(v)) navigate(v);
    },
    // Alerts are the relay's: on a page it served, the palette reaches them as the chat does.
    ...(attachedToRelay(ws) ? { alerts: relayAlertControl(new RelayClient()) } : {}),
  };
}

/**
 * Runs a typed command; a destructive one asks first in the app's dialog.
 * Null when the user said no.
 */
export async function runCommand(ws: Workspace, input: string, countUse?: (name: string) => void): Promise<{ ok: boolean; lines: string[] } | null> {
  // Only what the palette passes counts: a button running a command (the emergency stop) is not a command typed.
  const ctx = { ...commandContext(ws), countUse };
  const first = await registry.execute(ctx, input);
  if (first.kind === 'done') return first;
  if (!(await confirmAction(first.question, { confirmLabel: 'Yes, do it' }))) return null;
  const second = await registry.execute(ctx, input, { confirmed: true });
  return second.kind === 'done' ? second : { ok: false, lines: ['the command asked for confirmation twice'] };
}
