import type Database from 'better-sqlite3';
import { createCommandRegistry } from '../../workers/commands/index.ts';
import type { AlertControl } from '../../workers/commands/alerts.ts';
import type { CommandUsage } from '../../workers/commands/usage.ts';
import type { NotifySettings } from '../../workers/notify/settings.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import type { RelayConfig } from '../config/config.ts';
import { startAlertsService, type AlertsService } from '../notify/alerts-service.ts';
import type { AlertChannel } from '../notify/channel.ts';
import { openCommandUsage } from '../notify/command-usage.ts';
import { createDiscordChannel } from '../notify/discord.ts';
import { NOTIFY_SETTINGS_KEY, openNotifySettings, type SaveResult } from '../notify/notify-settings.ts';
import type { Outbox, OutboxCounts, OutboxTimers } from '../notify/outbox.ts';
import { createTelegramChannel } from '../notify/telegram-channel.ts';
import { sendTestAlert, type TestOutcome } from '../notify/test-alert.ts';
import type { RelayHost } from '../server/context.ts';
import type { TelegramBot, TelegramBotStatus } from '../telegram/bot.ts';
import { webhookUrl, type TelegramWebhookSlot } from '../telegram/webhook.ts';
import type { Logger } from './log.ts';
import type { SendOutcome } from '../notify/outbox.ts';

/**
 * The relay's side of the trader's phone: the Telegram bot (commands from the
 * shared registry) and the alerts sent through the outbox to Telegram and a
 * Discord webhook. Nothing starts unless TG_TELEGRAM_* or TG_DISCORD_WEBHOOK_URL
 * is set. The bot connects in the background: an unreachable Telegram never
 * holds the relay's start (alerts wait in the outbox meanwhile).
 *
 * The settings (NotifyControl) exist either way: Settings > Notifications
 * prepares them before a channel is set, and they apply once one is.
 */
export interface RunningNotify {
  /** The bot's state for Settings and health; null when no bot is configured. */
  telegram(): TelegramBotStatus | null;
  /** Null when no alert channel is configured (or the store has no SQLite file). */
  outbox: Outbox | null;
  /** Settings > Notifications (relay/server/api/notify.ts) and the chat's alert commands. */
  control: NotifyControl;
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

export interface NotifyControl {
  settings(): NotifySettings;
  /** Saved in the store and used by the running alerts at once; a refusal names the first field at fault. */
  saveSettings(x: unknown): Promise<SaveResult>;
  /** /alerts, #mute, #unmute in the chat, and in the palette of a page this relay served (POST /api/notify/control). */
  alerts: AlertControl;
  discordConfigured: boolean;
  /** A 'test' alert through the outbox to every channel. */
  sendTest(): Promise<TestOutcome>;
  /** Commands typed in the chat, by registry name. */
  usage(): CommandUsage;
}

export { NOTIFY_SETTINGS_KEY };

export async function startNotify(o: NotifyOptions): Promise<RunningNotify> {
  const { config, log } = o;
  const tg = config.telegram;
  let alerts: AlertsService | null = null;
  const settings = await openNotifySettings({ settings: o.store.settings, log, apply: (s) => alerts?.setSettings(s) });
  const usage = await openCommandUsage(o.store.settings, log);
  let bot: TelegramBot | null = null;
  const telegram = (): TelegramBotStatus | null =>
    bot ? bot.status() : tg ? { state: 'starting', connected: false, username: null, reason: null, since: 0, allowedChatIds: tg.chatIds } : null;
  const channels: AlertChannel[] = [];
  const alertControl = settings.control(() => channelLines(telegram(), config.discordWebhookUrl !== null, alerts?.outbox.counts() ?? null));
  const control: NotifyControl = {
    settings: () => settings.current(),
    saveSettings: (x) => settings.save(x),
    alerts: alertControl,
    discordConfigured: config.discordWebhookUrl !== null,
    sendTest: () =>
      sendTestAlert({
        outbox: alerts?.outbox ?? null,
        channels: channels.map((c) => c.name),
        down: (channel) => {
          const t = channel === 'telegram' ? telegram() : null;
          return t && !t.connected && t.state !== 'starting' ? (t.reason ?? `the bot is ${t.state}`) : null;
        },
        why: channels.length
          ? 'alerts are off: the relay\'s store has no SQLite file for the outbox'
          : 'no alert channel is set: set TG_TELEGRAM_BOT_TOKEN and TG_TELEGRAM_CHAT_ID (Telegram) or TG_DISCORD_WEBHOOK_URL (Discord), then restart the relay',
        now: o.now ?? Date.now,
      }),
    usage: () => usage.usage(),
  };
  if (!tg && !config.discordWebhookUrl) return { telegram: () => null, outbox: null, control, stop: () => usage.saved() };

  const webhook = tg && config.publicOrigin && o.telegramWebhook ? webhookUrl(config.publicOrigin) : null;
  if (webhook && 'problem' in webhook) log.warn(`telegram: no webhook: ${webhook.problem}; the bot long-polls`);
  // grammY and the bot load only when a bot is configured (~8 MB of a relay's resident memory otherwise).
  const starting: Promise<TelegramBot | null> = tg
    ? import('../telegram/bot.ts').then(({ startTelegramBot }) => startTelegramBot(
        { botToken: tg.botToken, apiRoot: tg.apiRoot, chatIds: tg.chatIds, userIds: tg.userIds, ...(webhook && 'url' in webhook ? { webhookUrl: webhook.url } : {}) },
        { registry: createCommandRegistry(), context: () => ({ host: o.host, store: o.store, countUse: usage.count, alerts: alertControl }), log: (level, msg, fields) => log.log(level, msg, fields), ...(o.now ? { now: o.now } : {}),
          // Back after an outage: what waits for a retry goes now, not at the end of its backoff (before start returns, `bot` is still null).
          onStatus: (s) => {
            if (s.connected && bot) alerts?.outbox.retryNow();
          },
        },
      )).then(
        (b) => {
          bot = b;
          // Alerts queued while the bot was starting go now.
          if (b.status().connected) alerts?.outbox.retryNow();
          return b;
        },
        (e: unknown) => {
          log.error('telegram: the bot did not start', { error: e });
          return null;
        },
      )
    : Promise.resolve(null);
  o.telegramWebhook?.serve(() => bot?.webhook() ?? null);

  if (tg) channels.push(createTelegramChannel({ bot: () => bot, chatIds: tg.chatIds }));
  if (config.discordWebhookUrl) channels.push(createDiscordChannel({ url: config.discordWebhookUrl, username: 'TradeGuard' }));

  const db = o.alertsDb ?? (o.store as Partial<{ db: Database.Database }>).db;
  if (!db) log.warn('alerts: off, the store has no SQLite file for the outbox');
  else
    alerts = startAlertsService({
      host: o.host,
      db,
      channels,
      store: o.store,
      healthStore: o.store,
      settings: settings.current(),
      clock: { now: o.now ?? Date.now },
      log,
      ...(o.alertTimers ? { timers: o.alertTimers } : {}),
      ...(o.onAlertSend ? { onSend: o.onAlertSend } : {}),
    });

  return {
    telegram,
    outbox: alerts?.outbox ?? null,
    control,
    async stop() {
      await alerts?.stop();
      await (await starting)?.stop();
      await usage.saved();
    },
  };
}

/** Each channel's state in a line, for /alerts. */
function channelLines(tg: TelegramBotStatus | null, discord: boolean, counts: OutboxCounts | null): string[] {
  const backlog = (name: string) => {
    const c = counts?.channels[name];
    if (!c || (c.pending === 0 && !c.lastError)) return '';
    return `; ${c.pending} alert(s) waiting${c.lastError ? `, last failure: ${c.lastError}` : ''}`;
  };
  const out: string[] = [];
  if (tg) out.push(`Telegram: ${tg.connected ? `connected as @${tg.username}, chat(s) ${tg.allowedChatIds.join(', ')}` : `${tg.state}${tg.reason ? ` (${tg.reason})` : ''}`}${backlog('telegram')}`);
  if (discord) out.push(`Discord: webhook set${backlog('discord')}`);
  return out;
}
