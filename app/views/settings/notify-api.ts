import type { AlertDelivery, AlertType } from '../../../workers/notify/alert.ts';
import type { NotifySettings } from '../../../workers/notify/settings.ts';
import type { CommandUsage } from '../../../workers/commands/usage.ts';
import type { TelegramBotStatus } from '../../../relay/telegram/bot.ts';
import { RelayClient } from '../../remote/relay-client.ts';

/** What GET /api/notify answers: the settings, each type's delivery, the channels' state. */
export interface NotifyOverview {
  settings: NotifySettings;
  delivery: Record<AlertType, AlertDelivery>;
  types: { type: AlertType; label: string; defaultDelivery: AlertDelivery }[];
  /** Null when the relay has no bot (TG_TELEGRAM_BOT_TOKEN not set). */
  telegram: Pick<TelegramBotStatus, 'state' | 'connected' | 'username' | 'reason' | 'allowedChatIds'> | null;
  /** `reason`: the webhook's last failure, when its last send failed. */
  discord: { configured: boolean; reason?: string };
  /** Null when the relay keeps no outbox (no channel configured). Per channel: its own counts and last failure. */
  outbox: { pending: number; failed: number; channels?: Record<string, { pending: number; failed: number; lastError: string | null }> } | null;
}

/** The page's relay, or null when no relay served it (a 401 too: the session ended). */
export async function attachedRelay(): Promise<RelayClient | null> {
  const relay = new RelayClient();
  return (await relay.attached()) ? relay : null;
}

export const notifyApi = {
  overview: (r: RelayClient) => r.json<NotifyOverview>('/api/notify'),
  save: (r: RelayClient, settings: NotifySettings) => r.json<{ settings: NotifySettings }>('/api/notify/settings', { method: 'PUT', body: JSON.stringify(settings) }),
  test: (r: RelayClient) => r.json<TestAnswer>('/api/notify/test', { method: 'POST' }),
  usage: (r: RelayClient) => r.json<{ usage: CommandUsage }>('/api/commands/usage').then((x) => x.usage),
};

/** How the relay stands with alerts, when attached: what GET /api/notify answered, or why it could not. */
export type NotifyState = { kind: 'detached' } | { kind: 'attached'; relay: RelayClient; overview: NotifyOverview } | { kind: 'failed'; relay: RelayClient; why: string };

/** What the relay answered, in words: the channels that accepted the message, and each refusal with its reason. */
export interface TestAnswer {
  ok: true;
  sent: string[];
  failed?: { channel: string; error: string }[];
  /** Channels where it waits its turn behind earlier alerts (sent in order, at Telegram's pace). */
  queued?: { channel: string; waiting: number }[];
}

export function testOutcomeText(r: Omit<TestAnswer, 'ok'>): { ok: boolean; text: string } {
  const failed = (r.failed ?? []).map((f) => `${f.channel} refused it: ${f.error}`);
  const queued = (r.queued ?? []).map((q) => `Queued for ${q.channel} behind earlier alerts (${q.waiting} waiting there); it goes in its turn.`);
  const sent = r.sent.length ? [`Test message accepted by ${r.sent.join(' and ')}.`] : queued.length ? [] : ['No channel accepted the test message.'];
  return { ok: failed.length === 0 && (r.sent.length > 0 || queued.length > 0), text: [...sent, ...queued, ...failed].join('\n') };
}
