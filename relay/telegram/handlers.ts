import { InlineKeyboard, type Api, type Bot, type Context } from 'grammy';
import type { CommandContext, CommandRegistry } from '../../workers/commands/registry.ts';
import type { TelegramCommands } from '../../workers/commands/telegram.ts';
import type { Confirmations } from './confirmations.ts';
import { CONFIRM_TTL_MS } from './confirmations.ts';
import { escapeHtml, splitText } from './html.ts';

/**
 * What the bot answers: commands from the shared registry under their
 * Telegram names, Confirm / Cancel for destructive ones, and a picker of open
 * positions for `/close` alone. Only allowed senders get here (the allow-list
 * runs before these handlers).
 */

export interface HandlerDeps {
  registry: CommandRegistry;
  commands: TelegramCommands;
  /** The engine the commands go to; null while the relay has none running. */
  context: () => Omit<CommandContext, 'surface'> | null;
  confirmations: Confirmations;
}

/** Sends plain text, escaped for HTML and split to Telegram's limit; returns the message ids. */
export async function sendText(api: Api, chatId: number | string, text: string, silent = false): Promise<number[]> {
  const ids: number[] = [];
  for (const part of splitText(text)) {
    const m = await api.sendMessage(chatId, escapeHtml(part), { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, disable_notification: silent });
    ids.push(m.message_id);
  }
  return ids;
}

/** One message with buttons: the text must fit one message, so it is trimmed rather than split. */
function oneMessage(text: string): string {
  return escapeHtml(splitText(text, 3800, 1)[0]);
}

const CONFIRM = 'cf:';
const CANCEL = 'cx:';
const PICK = 'pk:';

export function installHandlers(bot: Bot, d: HandlerDeps): void {
  const reply = (ctx: Context, lines: string[]) => sendText(ctx.api, ctx.chat!.id, d.commands.text(lines.join('\n')));
  const commandContext = (): CommandContext | null => {
    const c = d.context();
    return c ? { ...c, surface: 'telegram', openView: undefined, source: 'telegram' } : null;
  };
  const notRunning = ['the engine is not running on the relay yet: try again in a moment'];

  /** Runs a registry input: the answer, or the Confirm / Cancel question (sent, or written over `edit`'s message). */
  async function execute(ctx: Context, input: string, edit?: { chatId: number; messageId: number }): Promise<void> {
    const cc = commandContext();
    if (!cc) return void (await reply(ctx, notRunning));
    const outcome = await d.registry.execute(cc, input);
    if (outcome.kind === 'done') {
      if (edit) await ctx.api.editMessageText(edit.chatId, edit.messageId, oneMessage(d.commands.text(outcome.lines.join('\n'))), { parse_mode: 'HTML' });
      else await reply(ctx, outcome.lines);
      return;
    }
    const chatId = ctx.chat!.id;
    const question = d.commands.text(outcome.question);
    const entry = d.confirmations.add(outcome.input, question, chatId);
    const text = oneMessage(`${question}\n\nConfirm within ${CONFIRM_TTL_MS / 1000} s.`);
    const keyboard = new InlineKeyboard().text('Confirm', CONFIRM + entry.id).text('Cancel', CANCEL + entry.id);
    if (edit) await ctx.api.editMessageText(edit.chatId, edit.messageId, text, { parse_mode: 'HTML', reply_markup: keyboard });
    else await ctx.api.sendMessage(chatId, text, { parse_mode: 'HTML', reply_markup: keyboard });
  }

  /** `/close` alone: one button per symbol with open positions; each leads to the usual confirmation. */
  async function pickPosition(ctx: Context): Promise<void> {
    const cc = commandContext();
    if (!cc) return void (await reply(ctx, notRunning));
    const open = await cc.store.positions.open();
    if (open.length === 0) return void (await reply(ctx, ['no open positions']));
    const bySymbol = new Map<string, { n: number; agents: Set<string> }>();
    for (const p of open) {
      const s = bySymbol.get(p.symbol) ?? { n: 0, agents: new Set<string>() };
      s.n++;
      s.agents.add(p.agentId);
      bySymbol.set(p.symbol, s);
    }
    const kb = new InlineKeyboard();
    for (const [symbol, s] of bySymbol) if (Buffer.byteLength(PICK + symbol) <= 64) kb.text(`${symbol}: ${s.n} position(s), ${[...s.agents].join(', ')}`, PICK + symbol).row();
    kb.text('Cancel', PICK);
    await ctx.api.sendMessage(ctx.chat!.id, escapeHtml('Close the positions in which symbol? The next step asks for confirmation.'), { parse_mode: 'HTML', reply_markup: kb });
  }

  bot.on('message', async (ctx) => {
    const msg = ctx.message;
    const text = msg.text ?? '';
    const e = msg.entities?.[0];
    if (!e || e.type !== 'bot_command' || e.offset !== 0) {
      // In a group, plain text is people talking to each other: stay out of it.
      if (ctx.chat.type === 'private' && text) await reply(ctx, ['that is not a command: /help lists them']);
      return;
    }
    const [name, target] = text.slice(1, e.length).split('@');
    if (target && target.toLowerCase() !== ctx.me.username.toLowerCase()) return; // meant for another bot in the group
    const words = text.slice(e.length).trim().split(/\s+/).filter((w) => w.length > 0);
    const parsed = d.commands.input(name, words);
    if (parsed.kind === 'help') await reply(ctx, parsed.lines);
    else if (parsed.kind === 'error') await reply(ctx, [parsed.line]);
    else if (parsed.kind === 'pick-position') await pickPosition(ctx);
    else await execute(ctx, parsed.input);
  });

  bot.on('callback_query:data', async (ctx) => {
    const data = ctx.callbackQuery.data;
    const message = ctx.callbackQuery.message;
    const chatId = ctx.chat?.id;
    if (!message || chatId === undefined) return void (await ctx.answerCallbackQuery({ text: 'expired' }));
    const here = { chatId, messageId: message.message_id };
    if (data.startsWith(PICK)) {
      await ctx.answerCallbackQuery();
      const symbol = data.slice(PICK.length);
      if (!symbol) return void (await ctx.api.editMessageText(chatId, message.message_id, escapeHtml('Nothing was closed.'), { parse_mode: 'HTML' }));
      const parsed = d.commands.input('close', [symbol]);
      if (parsed.kind !== 'run') return void (await ctx.api.editMessageText(chatId, message.message_id, oneMessage(parsed.kind === 'error' ? parsed.line : 'Nothing was closed.'), { parse_mode: 'HTML' }));
      return execute(ctx, parsed.input, here);
    }
    const confirm = data.startsWith(CONFIRM);
    if (!confirm && !data.startsWith(CANCEL)) return void (await ctx.answerCallbackQuery({ text: 'expired' }));
    // Taken out before anything is awaited: a second press finds nothing and acts on nothing.
    const taken = d.confirmations.take(data.slice(CONFIRM.length), chatId);
    if (taken.kind === 'expired') {
      await ctx.answerCallbackQuery({ text: 'expired' });
      if (taken.entry) await ctx.api.editMessageText(chatId, message.message_id, oneMessage(`${taken.entry.question}\n\nExpired: nothing was done.`), { parse_mode: 'HTML' });
      return;
    }
    const { entry } = taken;
    await ctx.answerCallbackQuery({ text: confirm ? 'confirmed' : 'cancelled' });
    await ctx.api.editMessageText(chatId, message.message_id, oneMessage(`${entry.question}\n\n${confirm ? 'Confirmed.' : 'Cancelled: nothing was done.'}`), { parse_mode: 'HTML' });
    if (!confirm) return;
    const cc = commandContext();
    if (!cc) return void (await reply(ctx, notRunning));
    const outcome = await d.registry.execute(cc, entry.input, { confirmed: true });
    await reply(ctx, outcome.kind === 'done' ? outcome.lines : [outcome.question]);
  });
}
