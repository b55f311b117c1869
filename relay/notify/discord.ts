import type { Alert } from '../../workers/notify/alert.ts';
import { createRedactor, REDACTED } from '../config/redact.ts';
import { httpFailure, retryAfterHeaderMs, retryLater, type AlertChannel } from './channel.ts';

/**
 * A Discord channel through a webhook (TG_DISCORD_WEBHOOK_URL), Discord's
 * Execute Webhook: POST {url}?wait=true with JSON {content, allowed_mentions,
 * flags}, or multipart (payload_json + files[0]) when the alert carries a PNG.
 * `wait=true` makes Discord confirm the message was saved (without it a message
 * that was not saved returns no error). Content is at most 2000 characters;
 * flags 4096 (SUPPRESS_NOTIFICATIONS) sends without a push or desktop
 * notification; 429 carries retry_after (seconds) in the body and Retry-After.
 * The URL holds the webhook's token: it never reaches a log line or an error.
 */
export const DISCORD_CONTENT_MAX = 2000;
export const SUPPRESS_NOTIFICATIONS = 1 << 12;

export interface DiscordChannelOptions {
  url: string;
  /** Shown as the sender instead of the webhook's own name. */
  username?: string;
  /** A request that takes longer is treated as unreachable (retried by the outbox). */
  timeoutMs?: number;
  /** Reads Retry-After given as an HTTP date. */
  now?: () => number;
}

const WEBHOOK_PATH = /^\/api(?:\/v\d+)?\/webhooks\/(\d{5,25})\/([A-Za-z0-9_-]{20,})\/?$/;

/** Why `url` is not a Discord webhook URL, or null when it is one (https, or http on loopback for a test server). */
export function discordWebhookProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  const loopback = u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) return 'not https';
  if (!WEBHOOK_PATH.test(u.pathname)) return 'not a webhook URL (https://discord.com/api/webhooks/<id>/<token>, as Discord > Server Settings > Integrations > Webhooks copies it)';
  return null;
}

/** The URL as a log or Settings may show it: host and webhook id, the token replaced. */
export function describeDiscordWebhook(url: string): string {
  try {
    const u = new URL(url);
    const m = WEBHOOK_PATH.exec(u.pathname);
    return m ? `${u.host} webhook ${m[1]} (token ${REDACTED})` : `${u.host} (${REDACTED})`;
  } catch {
    return REDACTED;
  }
}

/** Discord markdown in plain text shown as typed: emphasis, code, spoilers, quotes, masked links, mentions, and headings or lists at a line's start. */
export function escapeDiscord(s: string): string {
  return s
    .replace(/[\\*_~`|<>[\]]/g, '\\$&')
    .replace(/^(\s*)([#-])/, '$1\\$2')
    .replace(/^(\s*\d+)\./, '$1\\.');
}

/** The message text: the title in bold, then the lines; cut to Discord's 2000 characters with an ellipsis, never mid-escape. */
export function discordContent(alert: Alert): string {
  const head = `${alert.priority === 'critical' ? '🚨 ' : ''}**${escapeDiscord(alert.title.slice(0, 300))}**`;
  const text = [head, ...alert.lines.map(escapeDiscord)].join('\n');
  if (text.length <= DISCORD_CONTENT_MAX) return text;
  let cut = text.slice(0, DISCORD_CONTENT_MAX - 1);
  // An odd run of backslashes at the end would escape the ellipsis: drop the dangling one.
  const slashes = /\\+$/.exec(cut)?.[0].length ?? 0;
  if (slashes % 2 === 1) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** The Execute Webhook JSON body for one alert. */
export function discordBody(alert: Alert, silent: boolean, username?: string): Record<string, unknown> {
  return {
    content: discordContent(alert),
    ...(username ? { username } : {}),
    // Alert text may quote "@everyone" or a user id: nobody is pinged by an alert.
    allowed_mentions: { parse: [] },
    ...(silent ? { flags: SUPPRESS_NOTIFICATIONS } : {}),
  };
}

export function createDiscordChannel(o: DiscordChannelOptions): AlertChannel {
  const problem = discordWebhookProblem(o.url);
  if (problem) throw new Error(`TG_DISCORD_WEBHOOK_URL: ${problem}`);
  const token = WEBHOOK_PATH.exec(new URL(o.url).pathname)?.[2] ?? o.url;
  const redact = createRedactor(() => [o.url, token]);
  const scrub = (s: string) => redact(s) as string;
  const endpoint = `${o.url}${o.url.includes('?') ? '&' : '?'}wait=true`;
  const timeoutMs = o.timeoutMs ?? 15_000;
  const now = o.now ?? Date.now;

  const request = (alert: Alert, silent: boolean): RequestInit => {
    const body = discordBody(alert, silent, o.username);
    if (!alert.imagePngBase64) return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const form = new FormData();
    form.append('payload_json', JSON.stringify({ ...body, attachments: [{ id: 0, filename: 'chart.png' }] }));
    form.append('files[0]', new Blob([Buffer.from(alert.imagePngBase64, 'base64')], { type: 'image/png' }), 'chart.png');
    return { method: 'POST', body: form };
  };

  return {
    name: 'discord',
    async send(alert, { silent }) {
      let res: Response;
      try {
        res = await fetch(endpoint, { ...request(alert, silent), signal: AbortSignal.timeout(timeoutMs) });
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        const why = (e as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (cause?.message || cause?.code || (e as Error).message);
        throw retryLater(scrub(`Discord webhook unreachable: ${why}`));
      }
      const text = await res.text().catch(() => '');
      if (res.ok) return;
      let json: { message?: unknown; code?: unknown; retry_after?: unknown } = {};
      try {
        json = JSON.parse(text) as typeof json;
      } catch {
        // Not Discord's JSON (a proxy's HTML page): the status says enough.
      }
      const bodyAfter = typeof json.retry_after === 'number' && json.retry_after >= 0 ? Math.ceil(json.retry_after * 1000) : undefined;
      const retryAfterMs = bodyAfter ?? retryAfterHeaderMs(res.headers.get('retry-after'), now());
      const detail = typeof json.message === 'string' ? `: ${json.message.slice(0, 200)}${typeof json.code === 'number' ? ` (code ${json.code})` : ''}` : '';
      throw httpFailure(res.status, scrub(`Discord answered ${res.status}${detail}`), retryAfterMs);
    },
  };
}
