import type { RelayClient } from '../remote/relay-client.ts';
import type { AlertSource, LoggedAlert } from './alert-log.ts';

/**
 * The relay's alert log (GET /api/alerts, relay/notify/alert-log.ts): every
 * alert its outbox recorded, with how its sending went, newest first; an
 * older page starts before an alert id.
 */
export function relayAlertSource(relay: RelayClient): AlertSource {
  return {
    kind: 'relay',
    async page(q) {
      const p = new URLSearchParams({ limit: String(q.limit) });
      if (q.before) p.set('before', q.before.id);
      const r = await relay.json<{ alerts: LoggedAlert[]; more: boolean }>(`/api/alerts?${p}`);
      return { alerts: r.alerts, more: r.more };
    },
  };
}
