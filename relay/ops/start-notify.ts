import type Database from 'better-sqlite3';
import { createCommandRegistry } from '../../workers/commands/index.ts';
import { DEFAULT_NOTIFY_SETTINGS, notifySettingsProblems, withNotifyDefaults, type NotifySettings } from '../../workers/notify/settings.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import type { RelayConfig } from '../config/config.ts';
import { startAlertsService, type AlertsService } from '../notify/alerts-service.ts';
import type { AlertChannel } from '../notify/channel.ts';
import { createDiscordChannel } from '../notify/discord.ts';
import type { Outbox, OutboxTimers } from '../notify/outbox.ts';
import { createTelegramChannel } from '../notify/telegram-channel.ts';
import type { RelayHost } from '../server/context.ts';
import { startTelegramBot, type TelegramBot, type TelegramBotStatus } from '../telegram/bot.ts';
import { webhookUrl, type TelegramWebhookSlot } from '../telegram/webhook.ts';
import type { Logger } from './log.ts';
import type { SendOutcome } from '../notify/outbox.ts';

/**
 * The relay's side of the trader's phone: the Telegram bot (commands from the
 * shared registry) and the alerts sent through the outbox to Telegram and a
 * Discord webhook. Nothing starts unless TG_TELEGRAM_* or TG_DISCORD_WEBHOOK_URL
 * is set. The bot connects in the background: an unreachable Telegram never
 * holds the relay's start (alerts wait in the outbox meanwhile).
 */
export interface RunningNotify {
  /** The bot's state for Settings and health; null when no bot is configured. */
  telegram(): TelegramBotStatus | null;
  /** Null when no alert channel is configured (or the store has no SQLite file). */
  outbox: Outbox | null;
  /** Stops the alerts (relay.stopped queued, the outbox closed), then the bot. Call before the store closes. */
  stop(): Promise<void>;
}

export interface NotifyOptions {
  config: RelayConfig;
  store: EngineStore;
  host: RelayHost;
  log: Logger;
  /** The outbox's database; by default the store's own when it is a SQLite store. */
  alertsDb?: Database.Database;
  alertTimers?: OutboxTimers;
  /** Each alert send's outcome (the relay's alert counters, server/alert-metrics.ts). */
  onAlertSend?: (outcome: SendOutcome) => void;
  now?: () => number;
  /** The app's POST /telegram/webhook: with an https TG_PUBLIC_ORIGIN the bot takes its updates there instead of long polling. */
  telegramWebhook?: TelegramWebhookSlot;
}

/** Where the trader's notify settings are kept in the relay's store (the PWA's settings screen writes them later). */
export const NOTIFY_SETTINGS_KEY = 'notifySettings';

export async function startNotify(o: NotifyOptions): Promise<RunningNotify> {
  const { config, log } = o;
  const tg = config.telegram;
  if (!tg && !config.discordWebhookUrl) return { telegram: () => null, outbox: null, stop: async () => {} };

  let bot: TelegramBot | null = null;
  const webhook = tg && config.publicOrigin && o.telegramWebhook ? webhookUrl(config.publicOrigin) : null;
  if (webhook && 'problem' in webhook) log.warn(`telegram: no webhook: ${webhook.problem}; the bot long-polls`);
  const starting: Promise<TelegramBot | null> = tg
    ? startTelegramBot(
        { botToken: tg.botToken, apiRoot: tg.apiRoot, chatIds: tg.chatIds, userIds: tg.userIds, ...(webhook && 'url' in webhook ? { webhookUrl: webhook.url } : {}) },
        { registry: createCommandRegistry(), context: () => ({ host: o.host, store: o.store }), log: (level, msg, fields) => log.log(level, msg, fields), ...(o.now ? { now: o.now } : {}) },
      ).then(
        (b) => (bot = b),
        (e: unknown) => {
          log.error('telegram: the bot did not start', { error: e });
          return null;
        },
      )
    : Promise.resolve(null);
  o.telegramWebhook?.serve(() => bot?.webhook() ?? null);

  const channels: AlertChannel[] = [];
  if (tg) channels.push(createTelegramChannel({ bot: () => bot, chatIds: tg.chatIds }));
  if (config.discordWebhookUrl) channels.push(createDiscordChannel({ url: config.discordWebhookUrl, username: 'TradeGuard' }));

  const db = o.alertsDb ?? (o.store as Partial<{ db: Database.Database }>).db;
  let alerts: AlertsService | null = null;
  if (!db) log.warn('alerts: off, the store has no SQLite file for the outbox');
  else
    alerts = startAlertsService({
      host: o.host,
      db,
      channels,
      store: o.store,
      settings: await notifySettings(o.store, log),
      clock: { now: o.now ?? Date.now },
      log,
      ...(o.alertTimers ? { timers: o.alertTimers } : {}),
      ...(o.onAlertSend ? { onSend: o.onAlertSend } : {}),
    });

  return {
    telegram: () => (bot ? bot.status() : tg ? { state: 'starting', connected: false, username: null, reason: null, since: 0, allowedChatIds: tg.chatIds } : null),
    outbox: alerts?.outbox ?? null,
    async stop() {
      await alerts?.stop();
      await (await starting)?.stop();
    },
  };
}

/** The stored settings over the defaults; stored settings with a problem are logged and the defaults used. */
async function notifySettings(store: EngineStore, log: Logger): Promise<NotifySettings> {
  const stored = await store.settings.get(NOTIFY_SETTINGS_KEY).catch(() => undefined);
  if (stored === undefined) return DEFAULT_NOTIFY_SETTINGS;
  const problems = notifySettingsProblems(stored);
  if (problems.length === 0) return withNotifyDefaults(stored as Partial<NotifySettings>);
  log.warn('alerts: the stored notify settings are not usable; the defaults apply', { problems });
  return DEFAULT_NOTIFY_SETTINGS;
}
