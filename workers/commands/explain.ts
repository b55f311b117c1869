import { CommandError, type CommandContext, type CommandDef, type CommandRegistry } from './registry.ts';
import { TelegramCommands } from './telegram.ts';

/**
 * `/explain <command> [arguments]`: one command at length, from the registry
 * itself: how to type it, what each part of the usage means, its category,
 * its Telegram name, and for a command that asks first, the question it would
 * ask right now (what it would touch), without running it.
 */

interface Named {
  def: CommandDef<unknown>;
  /** The registry input the explained command would run with: head and words. */
  head: string;
  words: string[];
  /** A refusal the Telegram translation already gave ('/close' with two symbols). */
  refused?: string;
}

const USAGE = '/explain <command> [arguments]';

/** The Telegram names, or none when the registry cannot be offered there (two commands on one name: a bug the bot reports itself). */
function telegramOf(registry: CommandRegistry): TelegramCommands | null {
  try {
    return new TelegramCommands(registry);
  } catch {
    return null;
  }
}

/** '/status', '#close-all', '#EURUSD' as the palette types them; 'pause' or 'closeall' bare; a Telegram name. */
function lookUp(registry: CommandRegistry, words: string[]): Named | null {
  const [typed, ...rest] = words;
  if (typed.startsWith('/') || typed.startsWith('#')) {
    const def = registry.find(typed, rest);
    if (def) return { def, head: def.matches ? typed : def.name, words: rest };
  }
  const bare = typed.replace(/^[/#]/, '').toLowerCase();
  const def = registry.list().find((d) => !d.matches && d.name.slice(1) === bare);
  if (def) return { def, head: def.name, words: rest };
  const tg = telegramOf(registry)?.get(bare);
  if (!tg) return null;
  // A Telegram name stands for a registry input ('/close EURUSD' is '#EURUSD close'): translate it as the bot does.
  const input = telegramOf(registry)!.input(tg.name, rest);
  if (input.kind === 'run') {
    const [head, ...w] = input.input.split(' ');
    return { def: tg.def, head, words: w };
  }
  return { def: tg.def, head: tg.def.name, words: [], refused: input.kind === 'error' ? input.line : undefined };
}

/** What the parts of a usage mean: '<agent>' must be given, '[n]' may be, 'close|keep' is one of those words, 'close' that word. */
function usageParts(usage: string): string[] {
  return (usage.match(/<[^>]+>|\[[^\]]+\]|\S+/g) ?? [])
    .slice(1)
    .map((w) => {
      const m = /^<(.+)>$|^\[(.+)\]$/.exec(w);
      const inner = m ? (m[1] ?? m[2]) : w;
      const what = inner.includes('|') ? `one of ${inner.split('|').join(', ')}` : m ? inner : `the word "${w}"`;
      return `${m?.[2] !== undefined ? 'may take' : 'needs'} ${what}`;
    });
}

function explain(registry: CommandRegistry): CommandDef<Named> {
  return {
    name: '/explain',
    category: 'Help',
    summary: 'one command at length: usage, category, Telegram name, and what a confirming command would touch now',
    usage: USAGE,
    destructive: false,
    parse(words, head) {
      if (words.length === 0) throw new CommandError(`${head} needs the command to explain, e.g. ${head} /risk (usage: ${USAGE})`);
      const named = lookUp(registry, words);
      if (!named) throw new CommandError(`${head}: unknown command "${words[0]}" — /help lists them (usage: ${USAGE})`);
      return named;
    },
    async run(ctx, named) {
      const { def } = named;
      const lines = [`${def.usage} — ${def.summary}`];
      const parts = usageParts(def.usage);
      if (parts.length) lines.push(`arguments: it ${parts.join('; ')}`);
      lines.push(`category: ${def.category}; ${def.name.startsWith('#') ? 'an action: it changes the workspace through the engine' : 'a query: it reads the record and changes nothing'}`);
      const tg = telegramOf(registry)?.list.find((c) => c.def === def);
      lines.push(tg ? `in Telegram: ${tg.usage}` : 'not offered in Telegram (the palette only)');
      lines.push(...(await preview(ctx, named)));
      return lines;
    },
  };
}

/** For a command that asks first, the question it would ask now; for any, whether the given arguments would pass. Nothing runs. */
async function preview(ctx: CommandContext, named: Named): Promise<string[]> {
  const { def, head, words } = named;
  const confirming = 'it asks for confirmation first (Confirm / Cancel, valid 60 s in a chat), saying what it will touch';
  const asks = def.asks ? 'whether it asks for confirmation first depends on its arguments' : def.destructive ? confirming : 'it runs at once, without a confirmation';
  if (named.refused) return [asks, `as typed it would be refused: ${named.refused}`];
  let args: unknown;
  try {
    args = def.parse(words, head);
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    if (words.length) return [asks, `as typed it would be refused: ${e.message}`];
    return [asks, ...(def.destructive || def.asks ? [`name its arguments to see what it would touch now, e.g. /explain ${def.usage}`] : [])];
  }
  // Some commands ask only for some arguments ('#EURUSD stop none' lifts a protection; moving it does not): as the registry decides.
  const asksNow = def.asks ? def.asks(args) : def.destructive;
  if (!asksNow) return [def.asks ? 'with these arguments it runs at once, without a confirmation' : asks];
  if (!def.confirm) return [confirming, `right now it would ask: Run ${[head, ...words].join(' ')}?`];
  try {
    return [confirming, `right now it would ask: ${await def.confirm(ctx, args)}`];
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    return [confirming, `right now it would refuse: ${e.message}`];
  }
}

export function addExplain(r: CommandRegistry): CommandRegistry {
  return r.add(explain(r));
}
