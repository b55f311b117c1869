import type { SendOutcome } from '../notify/outbox.ts';
import type { Metrics } from './metrics.ts';

/** Alerts sent and failed per channel and type, counted from the outbox's own outcomes (notify/outbox.ts onSend). */
export function alertMetrics(m: Metrics): (outcome: SendOutcome) => void {
  const sent = m.counter('tradeguard_alerts_sent_total', 'Alerts a channel accepted, by channel and type', ['channel', 'type']);
  const failed = m.counter('tradeguard_alerts_failed_total', 'Alert sends that failed, by channel, type and what follows (retry: still queued; give-up: refused for good)', ['channel', 'type', 'action']);
  return ({ channel, type, result }) => (result === 'sent' ? sent({ channel, type }) : failed({ channel, type, action: result }));
}
