/**
 * The bot on a fake Telegram Bot API (loopback) with an injected clock and a
 * captured log: what the bot tests drive. `ask` types in a chat and returns
 * what the bot sent or edited there in answer.
 */
import { createCommandRegistry, type CommandContext } from '../../workers/commands/index.ts';
import { startTelegramBot, type TelegramBot, type TelegramBotConfig, type TelegramBotDeps } from '../../relay/telegram/bot.ts';
import { FakeBotApi, type FakeChat, type FakeUser, type RecordedCall } from './fake-bot-api.ts';

export const TOKEN = '123456789:AAHfake_token_for_tests_only_0123456789';
export const OWNER = 424242;

/** Bottleneck with no limits: the tests measure the bot, not Telegram's pacing (one test sets its own). */
export { NO_PACING } from '../../relay/telegram/pacer.ts';
import { NO_PACING } from '../../relay/telegram/pacer.ts';

export interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export interface BotHarness {
  fake: FakeBotApi;
  bot: TelegramBot;
  logs: LogLine[];
  /** Moves the injected clock. */
  advance(ms: number): void;
  /** Calls the bot made to show something in a chat (send, edit, photo). */
  outputs(chatId: number): RecordedCall[];
  /** Types `text` (a command when it starts with '/') and waits for `n` outputs in that chat; returns their texts. */
  ask(chat: FakeChat, text: string, n?: number, from?: FakeUser): Promise<string[]>;
  /** Presses a button and waits for `n` outputs in that chat; returns their texts. */
  press(chat: FakeChat, label: string, n?: number, from?: FakeUser): Promise<string[]>;
  close(): Promise<void>;
}

const SHOWS = new Set(['sendMessage', 'editMessageText', 'sendPhoto']);

export async function openBotHarness(
  o: {
    context?: () => Omit<CommandContext, 'surface'> | null;
    config?: Partial<TelegramBotConfig>;
    deps?: Partial<TelegramBotDeps>;
    fake?: FakeBotApi;
  } = {},
): Promise<BotHarness> {
  const fake = o.fake ?? (await FakeBotApi.start(TOKEN));
  let clock = Date.UTC(2024, 0, 2, 9, 0);
  const logs: LogLine[] = [];
  const bot = await startTelegramBot(
    { botToken: TOKEN, apiRoot: fake.apiRoot, chatIds: String(OWNER), ...o.config },
    {
      registry: createCommandRegistry(),
      context: o.context ?? (() => null),
      log: (level, msg, fields) => logs.push({ level, msg, fields }),
      now: () => clock,
      pacing: NO_PACING,
      reconnectDelaysMs: [20],
      ...o.deps,
    },
  );
  const outputs = (chatId: number) => fake.calls.filter((c) => SHOWS.has(c.method) && Number(c.params.chat_id) === chatId && c.status === 200);
  const waitOutputs = async (chatId: number, before: number, n: number) => {
    await fake.waitFor(() => outputs(chatId).length >= before + n, `${n} answer(s) in chat ${chatId}`);
    return outputs(chatId)
      .slice(before)
      .map((c) => String(c.params.text ?? c.params.caption ?? ''));
  };
  return {
    fake,
    bot,
    logs,
    advance: (ms) => void (clock += ms),
    outputs,
    async ask(chat, text, n = 1, from) {
      const before = outputs(chat.id).length;
      if (text.startsWith('/')) fake.command(chat, text, from);
      else fake.message(chat, text, from);
      return waitOutputs(chat.id, before, n);
    },
    async press(chat, label, n = 1, from) {
      const before = outputs(chat.id).length;
      fake.press(chat, label, from);
      return waitOutputs(chat.id, before, n);
    },
    async close() {
      await bot.stop();
      await fake.close();
    },
  };
}

/** Telegram's HTML back to the text a user reads. */
export function unhtml(s: string): string {
  return s.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}
