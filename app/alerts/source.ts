import { attachedToRelay } from '../remote/attach.ts';
import { RelayClient } from '../remote/relay-client.ts';
import type { Workspace } from '../state/workspace.ts';
import type { AlertSource } from './alert-log.ts';
import { localAlertSource } from './local-alerts.ts';
import { relayAlertSource } from './relay-alerts.ts';

/** Where this page's alerts come from: the relay that served it, or this browser's own engine. */
export function alertSourceFor(ws: Workspace): AlertSource {
  return attachedToRelay(ws) ? relayAlertSource(new RelayClient()) : localAlertSource(ws.store);
}
