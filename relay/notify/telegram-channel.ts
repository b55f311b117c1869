import type { Alert } from '../../workers/notify/alert.ts';
import type { TelegramBot } from '../telegram/bot.ts';
import { TelegramSendError } from '../telegram/send-error.ts';
import { giveUp, httpFailure, retryLater, type AlertChannel } from './channel.ts';

/**
 * Alerts to Telegram through the relay's bot: every chat on the allow-list
 * gets each alert (the bot escapes the text for HTML and splits it at
 * Telegram's limit); `silent` is disable_notification. The outbox owns order
 * and retries: an unreachable Telegram, a 5xx or a 429 is retried, a refused
 * message (400, 403 blocked) is given up. A refused token (401/404) is retried
 * too: the alerts wait for the owner to fix it and restart, instead of being lost.
 *
 * A retry resends only to the chats that did not get the alert yet, so one chat
 * being down never gives the others a copy twice.
 */
export interface TelegramChannelOptions {
  /** The bot, or null while it is still starting (the alert is retried). */
  bot: () => TelegramBot | null;
  chatIds: readonly number[];
}

/** Telegram's limit on a photo caption. */
const CAPTION_MAX = 1024;
/** Alerts whose chats are remembered for a retry (one alert in flight per lane: a few suffice). */
const REMEMBERED = 64;

/** The alert as the chat reads it: the title, then its lines; plain text (the bot escapes it). */
export function telegramText(alert: Alert): string {
  return [`${alert.priority === 'critical' ? '🚨 ' : ''}${alert.title}`, ...alert.lines].join('\n');
}

export function createTelegramChannel(o: TelegramChannelOptions): AlertChannel {
  const delivered = new Map<string, Set<number>>();
  const sendOne = async (bot: TelegramBot, chatId: number, alert: Alert, silent: boolean) => {
    const text = telegramText(alert);
    if (!alert.imagePngBase64) return void (await bot.sendText(chatId, text, { silent }));
    const png = Buffer.from(alert.imagePngBase64, 'base64');
    if (text.length <= CAPTION_MAX) return void (await bot.sendPhoto(chatId, png, text, { silent }));
    await bot.sendPhoto(chatId, png, alert.title, { silent });
    await bot.sendText(chatId, alert.lines.join('\n'), { silent });
  };
  return {
    name: 'telegram',
    async send(alert, { silent }) {
      const bot = o.bot();
      if (!bot) throw retryLater('the Telegram bot is starting');
      const done = delivered.get(alert.id) ?? new Set<number>();
      let retry: ReturnType<typeof retryLater> | null = null;
      const refused: string[] = [];
      for (const chatId of o.chatIds) {
        if (done.has(chatId)) continue;
        try {
          await sendOne(bot, chatId, alert, silent);
          done.add(chatId);
        } catch (e) {
          const why = `chat ${chatId}: ${(e as Error).message}`;
          const s = e instanceof TelegramSendError ? e.status : undefined;
          if (s === undefined || s === 401 || s === 404) retry ??= retryLater(`Telegram ${s === undefined ? 'unreachable' : 'refused the bot token'}: ${why}`);
          else {
            const f = httpFailure(s, why, e instanceof TelegramSendError && e.retryAfterSeconds !== undefined ? e.retryAfterSeconds * 1000 : undefined);
            if (f.action === 'retry') retry ??= f;
            else refused.push(why);
          }
        }
      }
      if (retry) {
        delivered.delete(alert.id);
        delivered.set(alert.id, done);
        if (delivered.size > REMEMBERED) delivered.delete(delivered.keys().next().value!);
        throw retry;
      }
      delivered.delete(alert.id);
      // Some chats took it: the alert went out; the chats that refused it are named only when none did.
      if (done.size === 0 && refused.length) throw giveUp(`Telegram refused the alert: ${refused.join('; ')}`);
    },
  };
}
