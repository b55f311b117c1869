import { Bot, GrammyError, HttpError, InputFile, webhookCallback } from 'grammy';
import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import { autoRetry } from '@grammyjs/auto-retry';
import type { CommandContext, CommandRegistry } from '../../workers/commands/registry.ts';
import { TelegramCommands } from '../../workers/commands/telegram.ts';
import { createRedactor } from '../config/redact.ts';
import { createAllowList, parseIdList, type LogFn } from './allow-list.ts';
import { Confirmations } from './confirmations.ts';
import { installHandlers, sendText } from './handlers.ts';
import { escapeHtml, splitText } from './html.ts';
import { createSendPacer, type SendPacing } from './pacer.ts';
import { newWebhookSecret, type WebhookHandler } from './webhook.ts';
import { TelegramSendError } from './send-error.ts';

/**
 * The trader's Telegram bot on the relay: long polling with grammY's runner
 * (or, with `webhookUrl`, updates POSTed by Telegram to the relay: webhook.ts),
 * 429s retried after Telegram's retry_after (auto-retry), sends paced to
 * Telegram's limits (pacer.ts), an allow-list before anything
 * else, and the shared command registry behind it.
 *
 * `startTelegramBot` never throws: a refused token (401), an unreachable
 * Telegram or a bad allow-list shows in `status()` and the log, and the relay
 * keeps running. While Telegram is unreachable it tries again on its own.
 */

export interface TelegramBotConfig {
  /** TG_TELEGRAM_BOT_TOKEN, from @BotFather. */
  botToken: string;
  /** TG_TELEGRAM_API_ROOT: a self-hosted Bot API server; default Telegram's. */
  apiRoot?: string;
  /** TG_TELEGRAM_CHAT_ID: the chats that may command, one id or a comma-separated list. */
  chatIds: string | readonly (string | number)[];
  /** TG_TELEGRAM_USER_IDS: in a group chat, the users that may command. */
  userIds?: string | readonly (string | number)[];
  /** Webhook mode: Telegram POSTs updates to this https URL (TG_PUBLIC_ORIGIN + /telegram/webhook); absent, the bot long-polls. */
  webhookUrl?: string;
}

export interface TelegramBotDeps {
  registry: CommandRegistry;
  /** The engine the commands go to (host and store); null while none runs. */
  context: () => Omit<CommandContext, 'surface'> | null;
  log: LogFn;
  /** The relay's clock: confirmation expiry, log pacing. */
  now?: () => number;
  /** Waits between connection attempts while Telegram is unreachable; the last one repeats. */
  reconnectDelaysMs?: readonly number[];
  /** Send pacing; the default is Telegram's published limits (TELEGRAM_PACING). */
  pacing?: SendPacing;
  /** Long-poll timeout in seconds (Telegram holds getUpdates this long when idle). */
  pollTimeoutSeconds?: number;
  onStatus?: (s: TelegramBotStatus) => void;
}

export type TelegramBotState = 'starting' | 'connected' | 'unreachable' | 'unauthorized' | 'conflict' | 'misconfigured' | 'stopped';

export interface TelegramBotStatus {
  state: TelegramBotState;
  connected: boolean;
  /** From getMe, once Telegram has answered. */
  username: string | null;
  /** Why not connected, in words (never the token). */
  reason: string | null;
  since: number;
  /** The chats the bot answers. */
  allowedChatIds: number[];
}

export interface TelegramBot {
  status(): TelegramBotStatus;
  /** Plain text to one chat, escaped and split to Telegram's limit; throws (redacted) when Telegram refuses or is unreachable. */
  sendText(chatId: number | string, text: string, opts?: { silent?: boolean }): Promise<number[]>;
  /** A PNG with an optional plain-text caption (at most 1024 characters, trimmed). */
  sendPhoto(chatId: number | string, png: Uint8Array, caption?: string, opts?: { silent?: boolean }): Promise<number>;
  /** In webhook mode, once Telegram took the webhook and until stop: the route's handler (it checks the secret header). */
  webhook(): WebhookHandler | null;
  stop(): Promise<void>;
}

export const DEFAULT_API_ROOT = 'https://api.telegram.org';
/** What the bot handles: commands and button presses. */
const ALLOWED_UPDATES = ['message', 'callback_query'] as const;
const DEFAULT_RECONNECT_MS = [5_000, 15_000, 30_000, 60_000, 300_000];

export async function startTelegramBot(config: TelegramBotConfig, deps: TelegramBotDeps): Promise<TelegramBot> {
  const now = deps.now ?? Date.now;
  // Webhook mode: a fresh secret each start (a restart sets the webhook again), known to Telegram and this closure only.
  const secret = config.webhookUrl ? newWebhookSecret() : null;
  const redact = createRedactor(() => (secret ? [config.botToken, secret] : [config.botToken]));
  const scrub = (s: string) => redact(s) as string;
  const log: LogFn = (level, msg, fields) => deps.log(level, scrub(msg), fields ? (redact(fields) as Record<string, unknown>) : undefined);
  const chats = parseIdList(config.chatIds);
  const users = parseIdList(config.userIds);

  let status: TelegramBotStatus = { state: 'starting', connected: false, username: null, reason: null, since: now(), allowedChatIds: chats.ids };
  const set = (state: TelegramBotState, reason: string | null) => {
    if (status.state === state && status.reason === reason) return;
    status = { ...status, state, connected: state === 'connected', reason, since: now() };
    deps.onStatus?.(status);
  };

  let stopped = false;
  let runner: RunnerHandle | null = null;
  let hook: WebhookHandler | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  const stop = async () => {
    stopped = true;
    // The webhook stays set at Telegram (no deleteWebhook): updates wait there, the route answers 404 meanwhile, and
    // the next start sets it again, dropping them, as polling drops what queued while the relay was down.
    hook = null;
    if (retryTimer) clearTimeout(retryTimer);
    const r = runner;
    runner = null;
    if (r?.isRunning()) await r.stop();
    set('stopped', null);
  };
  const handle = (bot: Bot | null): TelegramBot => ({
    status: () => status,
    async sendText(chatId, text, opts) {
      if (!bot) throw new Error(`the Telegram bot is not running: ${status.reason}`);
      try {
        return await sendText(bot.api, chatId, text, opts?.silent);
      } catch (e) {
        throw sendError(e, scrub);
      }
    },
    async sendPhoto(chatId, png, caption, opts) {
      if (!bot) throw new Error(`the Telegram bot is not running: ${status.reason}`);
      try {
        const m = await bot.api.sendPhoto(chatId, new InputFile(png, 'chart.png'), {
          ...(caption ? { caption: escapeHtml(splitText(caption, 1024, 1)[0]), parse_mode: 'HTML' as const } : {}),
          disable_notification: opts?.silent,
        });
        return m.message_id;
      } catch (e) {
        throw sendError(e, scrub);
      }
    },
    webhook: () => hook,
    stop,
  });

  for (const bad of [...chats.invalid, ...users.invalid]) log('warn', `telegram: "${bad}" in the allow-list is not a numeric chat or user id and is ignored`);
  if (chats.ids.length === 0) {
    set('misconfigured', 'no chat id on the allow-list (TG_TELEGRAM_CHAT_ID): the bot would answer nobody, so it is not started');
    log('error', `telegram: ${status.reason}`);
    return handle(null);
  }

  const apiRoot = (config.apiRoot ?? DEFAULT_API_ROOT).replace(/\/+$/, '');
  const bot = new Bot(config.botToken, { client: { apiRoot } });
  const commands = new TelegramCommands(deps.registry);

  // Innermost transformer: sees every attempt, so the status follows Telegram's reachability while the runner retries.
  bot.api.config.use(async (prev, method, payload, signal) => {
    try {
      const r = await prev(method, payload, signal);
      if (r.ok && status.state === 'unreachable' && (runner?.isRunning() || hook)) set('connected', null);
      return r;
    } catch (e) {
      if (!stopped && !signal?.aborted && e instanceof HttpError && status.state === 'connected') {
        set('unreachable', `Telegram did not answer ${method}: ${scrub(describe(e))}; retrying`);
        log('warn', `telegram: ${status.reason}`);
      }
      throw e;
    }
  });
  bot.api.config.use(createSendPacer(deps.pacing));
  // Outermost: a 429 waits retry_after (at most a minute) and goes through the pacer again. Network
  // errors are not retried here: the runner retries its polling, and a send fails to its caller (the outbox retries).
  bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60, rethrowHttpErrors: true }));

  const allowed = createAllowList(chats.ids, users.ids, log, now);
  // First in the chain: a failing update is logged here and goes no further, so it fails neither the runner
  // nor a webhook request (answered with an error, Telegram would deliver the same command again).
  bot.use(async (ctx, next) => {
    try {
      await next();
    } catch (e) {
      log('error', `telegram: handling update ${ctx.update.update_id} failed: ${scrub(describe(e))}`);
    }
  });
  // One update at a time per chat: replies keep the order of the commands; different chats run concurrently.
  bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
  bot.use(async (ctx, next) => {
    // Strangers get nothing back, not even the answer to a button press.
    if (allowed({ chatId: ctx.chat?.id, chatType: ctx.chat?.type, userId: ctx.from?.id })) await next();
  });
  installHandlers(bot, { registry: deps.registry, commands, context: deps.context, confirmations: new Confirmations(now) });

  const delays = deps.reconnectDelaysMs ?? DEFAULT_RECONNECT_MS;
  let attempt = 0;
  let webhookUrl = config.webhookUrl;

  /** Refused for good (the token), or try again later. */
  const failed = (e: unknown, step: string) => {
    if (stopped) return;
    if (e instanceof GrammyError && (e.error_code === 401 || e.error_code === 404)) {
      set('unauthorized', `Telegram refused the bot token (${e.error_code} ${e.description}): check TG_TELEGRAM_BOT_TOKEN with @BotFather`);
      log('error', `telegram: ${status.reason}`);
      return;
    }
    if (e instanceof GrammyError && e.error_code === 409) set('conflict', `another program is polling this bot or a webhook was set (${e.description}); retrying`);
    else set('unreachable', `${step} failed: ${scrub(describe(e))}; retrying`);
    log('warn', `telegram: ${status.reason}`);
    const wait = delays[Math.min(attempt++, delays.length - 1)];
    retryTimer = setTimeout(() => void connect(), wait);
  };

  async function connect(): Promise<void> {
    retryTimer = null;
    if (stopped) return;
    try {
      // Not bot.init(): it retries an unreachable Telegram forever, and start must return.
      bot.botInfo = await bot.api.getMe();
      status = { ...status, username: bot.botInfo.username };
      // Updates queued while the relay was down are dropped either way, so a command typed hours ago
      // does not act now. Long polling needs no webhook; webhook mode hands Telegram this start's secret.
      if (webhookUrl) await bot.api.setWebhook(webhookUrl, { secret_token: secret!, allowed_updates: ALLOWED_UPDATES, drop_pending_updates: true });
      else await bot.api.deleteWebhook({ drop_pending_updates: true });
    } catch (e) {
      if (webhookUrl && e instanceof GrammyError && e.error_code === 400) {
        // An address Telegram cannot use (a LAN name, a self-signed certificate): the bot still works by polling.
        log('warn', `telegram: Telegram refused the webhook ${webhookUrl} (${e.description}); long polling instead`);
        webhookUrl = undefined;
        return connect();
      }
      return failed(e, 'connecting to Telegram');
    }
    try {
      await bot.api.setMyCommands(commands.menu());
    } catch (e) {
      log('warn', `telegram: the command menu was not published: ${scrub(describe(e))}`);
    }
    if (stopped) return;
    attempt = 0;
    if (webhookUrl) {
      hook = webhookHandler(bot, secret!);
      set('connected', null);
      log('info', `telegram: connected as @${bot.botInfo.username}, updates by webhook at ${webhookUrl}, answering chat(s) ${chats.ids.join(', ')}`);
      return;
    }
    const r = run(bot, { runner: { fetch: { timeout: deps.pollTimeoutSeconds ?? 30, allowed_updates: ALLOWED_UPDATES }, silent: true } });
    runner = r;
    set('connected', null);
    log('info', `telegram: connected as @${bot.botInfo.username}, answering chat(s) ${chats.ids.join(', ')}`);
    r.task()?.catch((e) => {
      if (runner === r) runner = null;
      failed(e, 'polling Telegram for updates');
    });
  }

  await connect();
  return handle(bot);
}

function sendError(e: unknown, scrub: (s: string) => string): TelegramSendError {
  const refused = e instanceof GrammyError ? e : null;
  return new TelegramSendError(scrub(describe(e)), refused?.error_code, refused?.parameters.retry_after);
}

function describe(e: unknown): string {
  if (e instanceof GrammyError) return `${e.error_code} ${e.description}`;
  if (e instanceof HttpError) return `${e.message}${e.error instanceof Error ? ` (${e.error.message})` : ''}`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * grammY's webhook callback for Hono. A slow update (a command waiting on a
 * 429) is acknowledged after 10 s and finishes on its own: answering late or
 * with an error would make Telegram deliver the same command again. The bot
 * handles its own errors (bot.ts), so an update never fails the request.
 */
export function webhookHandler(bot: Bot, secretToken: string): WebhookHandler {
  return webhookCallback(bot, 'hono', { secretToken, onTimeout: 'return', timeoutMilliseconds: 10_000 }) as WebhookHandler;
}
