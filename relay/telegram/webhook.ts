import { randomBytes } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { RelayEnv } from '../server/context.ts';

/**
 * Webhook mode: with `TG_PUBLIC_ORIGIN` set to an https origin, Telegram POSTs
 * each update to `${origin}/telegram/webhook` instead of the bot long-polling
 * for it. The route is public (Telegram has no session), so what guards it is
 * the secret Telegram echoes in `X-Telegram-Bot-Api-Secret-Token`: made fresh
 * at each start, handed to Telegram in setWebhook's body (never in the URL),
 * kept in the bot's closure and never logged. grammY's webhookCallback checks
 * it in constant time before it reads the body; a request without it is
 * answered 401 and reaches no handler.
 */

export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';
export const TELEGRAM_SECRET_HEADER = 'X-Telegram-Bot-Api-Secret-Token';
/** An update is a few KB at most; anything bigger is not Telegram. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;
/** The ports Telegram delivers webhooks to. */
const TELEGRAM_PORTS = new Set(['443', '80', '88', '8443']);

export type WebhookHandler = (c: Context) => Promise<Response>;

/** The webhook URL for the relay's public origin, or why Telegram could not deliver to it (the bot then long-polls). */
export function webhookUrl(publicOrigin: string): { url: string } | { problem: string } {
  const u = new URL(publicOrigin);
  if (u.protocol !== 'https:') return { problem: `TG_PUBLIC_ORIGIN ${u.origin} is not https: Telegram delivers webhooks over HTTPS only` };
  const port = u.port || '443';
  if (!TELEGRAM_PORTS.has(port)) return { problem: `TG_PUBLIC_ORIGIN ${u.origin} is on port ${port}: Telegram delivers webhooks to ports 443, 80, 88 and 8443 only` };
  return { url: `${u.origin}${TELEGRAM_WEBHOOK_PATH}` };
}

/** 256 random bits in Telegram's secret alphabet (A-Z a-z 0-9 _ -). */
export function newWebhookSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Where the route finds the running bot's handler: the app is built before
 * the bot starts, and the bot serves webhooks only once Telegram took its
 * setWebhook. Until then, in long-polling mode, or after the bot stopped, the
 * route answers 404.
 */
export class TelegramWebhookSlot {
  private source: () => WebhookHandler | null = () => null;
  serve(source: () => WebhookHandler | null): void {
    this.source = source;
  }
  handler(): WebhookHandler | null {
    return this.source();
  }
}

/** POST /telegram/webhook: public in auth/guard.ts; 404 unless the bot runs in webhook mode. */
export function telegramWebhookRoute(app: Hono<RelayEnv>, slot: TelegramWebhookSlot | null): void {
  app.post(TELEGRAM_WEBHOOK_PATH, bodyLimit({ maxSize: WEBHOOK_BODY_LIMIT, onError: (c) => c.json({ error: 'payload too large' }, 413) }), async (c) => {
    const handle = slot?.handler();
    if (!handle) return c.json({ error: 'not found', message: 'the Telegram bot does not take updates by webhook here' }, 404);
    try {
      return await handle(c);
    } catch (e) {
      // Only a caller with the secret gets this far (the header is checked before the body is read).
      if (e instanceof SyntaxError) return c.json({ error: 'bad request', message: 'the body is not a JSON update' }, 400);
      throw e;
    }
  });
}
