import type { AlertControl } from '../../workers/commands/alerts.ts';
import type { RelayClient } from '../remote/relay-client.ts';

/**
 * /alerts, #mute and #unmute in the palette of a page a relay served: the
 * relay's own AlertControl over HTTP (POST /api/notify/control), so the palette
 * and the chat change the same settings the same way.
 */
export function relayAlertControl(relay: RelayClient): AlertControl {
  const call = <T>(body: object) => relay.json<T>('/api/notify/control', { method: 'POST', body: JSON.stringify(body) });
  return {
    overview: () => call({ op: 'overview' }),
    mute: async (types, to) => (await call<{ changes: Awaited<ReturnType<AlertControl['mute']>> }>({ op: 'mute', types, to })).changes,
    unmute: async (types, named) => (await call<{ changes: Awaited<ReturnType<AlertControl['unmute']>> }>({ op: 'unmute', types, named })).changes,
  };
}
