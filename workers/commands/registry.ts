import type { WorkspaceHostApi } from '../host/api.ts';
import type { EngineStore } from '../store/store.ts';
import type { AlertControl } from './alerts.ts';

/**
 * One registry of commands for every place a user types one: the PWA's
 * palette now, the Telegram bot and the relay later. `/` asks (status,
 * positions, P&L ...), `#` acts (close, pause, emergency stop ...). A command
 * answers in plain text lines, so each surface only decides how to show them.
 */

/** What a command may touch: the host (commands go to whoever runs the engine) and read access to the store. */
export interface CommandContext {
  host: WorkspaceHostApi;
  store: Pick<EngineStore, 'agents' | 'positions' | 'trades' | 'orders' | 'decisions' | 'snapshots' | 'bars' | 'events' | 'models'>;
  /** Where the command was typed: some answers differ (a PWA can open a view, a chat cannot). */
  surface: 'pwa' | 'telegram' | 'relay';
  /** The PWA passes its router: '/backtest' opens the view. */
  openView?: (view: string) => void;
  /** Recorded with the command in the workspace record ('palette', 'telegram', ...). */
  source?: string;
  /** Told the registry name of every command typed well enough to parse (run or asked to confirm): the usage table in Settings. */
  countUse?: (name: string) => void;
  /** The relay's alert settings (/alerts, #mute, #unmute); absent where no relay sends alerts. */
  alerts?: AlertControl;
}

/** A refusal or a bad argument, in words: shown to the user as it is. */
export class CommandError extends Error {}

/**
 * Where a command is listed in /help, the palette and the bot's menu, in this
 * order: one list, so every surface groups the same way.
 */
export const COMMAND_CATEGORIES = ['Status', 'Performance', 'Signals and models', 'Risk and trading state', 'Agents', 'Positions and orders', 'Alerts', 'Help'] as const;
export type CommandCategory = (typeof COMMAND_CATEGORIES)[number];

export interface CommandDef<A = unknown> {
  /** '/status', '#close-all'; a pattern such as '#<SYMBOL>' sets `matches`. */
  name: string;
  category: CommandCategory;
  summary: string;
  /** How to type it, e.g. '#pause <agent>'. */
  usage: string;
  /** Destructive commands need an explicit confirmation before `run` (a dialog, a chat button). */
  destructive: boolean;
  /** For pattern names: whether the typed head (e.g. '#EURUSD') names this command; `words` (what follows it) tell '#EURUSD stop' from '#EURUSD close'. */
  matches?(head: string, words: readonly string[]): boolean;
  /** The words after the head, checked before anything runs; throws CommandError with what is wrong. */
  parse(words: string[], head: string): A;
  /** Whether these arguments ask first, for a command that asks only for some ('#EURUSD stop none'); absent: `destructive`. */
  asks?(args: A): boolean;
  /** The question a destructive command asks, with what it will touch. */
  confirm?(ctx: CommandContext, args: A): Promise<string>;
  run(ctx: CommandContext, args: A): Promise<string[]>;
}

export type CommandOutcome =
  | { kind: 'done'; ok: boolean; lines: string[] }
  /** Run again with `{ confirmed: true }` to carry it out. */
  | { kind: 'confirm'; input: string; question: string };

export interface Suggestion {
  /** What to put in the input ('#pause demo-sma'). */
  text: string;
  usage: string;
  summary: string;
  category: CommandCategory;
  destructive: boolean;
}

/** Names the palette and the bot can offer as arguments (agent ids, traded symbols). */
export interface SuggestionHints {
  agents?: string[];
  symbols?: string[];
  /** Symbols and agents under a protection lock (what #unlock can name). */
  locked?: string[];
}

export class CommandRegistry {
  private readonly defs: CommandDef<any>[] = [];

  add<A>(def: CommandDef<A>): this {
    if (this.defs.some((d) => d.name === def.name)) throw new Error(`command ${def.name} is registered twice`);
    this.defs.push(def);
    return this;
  }

  list(): readonly CommandDef<unknown>[] {
    return this.defs;
  }

  /** The commands category by category, in COMMAND_CATEGORIES order (empty categories left out). */
  byCategory(): { category: CommandCategory; defs: CommandDef<unknown>[] }[] {
    // Within a category the questions come before the actions (the sort is stable: registry order otherwise).
    const kind = (d: CommandDef<unknown>) => (d.name.startsWith('/') ? 0 : 1);
    return COMMAND_CATEGORIES.map((category) => ({ category, defs: this.defs.filter((d) => d.category === category).sort((a, b) => kind(a) - kind(b)) })).filter((g) => g.defs.length > 0);
  }

  /** The command a typed head names ('/status', '#EURUSD'), exact names before patterns (which may read the words after the head). */
  find(head: string, words: readonly string[] = []): CommandDef<unknown> | undefined {
    const h = head.toLowerCase();
    return this.defs.find((d) => !d.matches && d.name === h) ?? this.defs.find((d) => d.matches?.(head, words));
  }

  /** Parses and checks `input`; for a destructive command, asks first unless `confirmed`. */
  async execute(ctx: CommandContext, input: string, opts: { confirmed?: boolean } = {}): Promise<CommandOutcome> {
    const [head, ...words] = input.trim().split(/\s+/).filter((w) => w.length > 0);
    if (!head) return fail('type a command: /help lists them');
    if (!head.startsWith('/') && !head.startsWith('#')) return fail(`"${head}" is not a command: queries start with / and actions with # (try /help)`);
    const def = this.find(head, words);
    if (!def) return fail(`unknown command "${head}" — try /help`);
    try {
      const args = def.parse(words, head);
      // A confirmation's second pass is the same use, not another one.
      if (!opts.confirmed) ctx.countUse?.(def.name);
      if ((def.asks ? def.asks(args) : def.destructive) && !opts.confirmed) {
        const question = def.confirm ? await def.confirm(ctx, args) : `Run ${input.trim()}?`;
        return { kind: 'confirm', input: input.trim(), question };
      }
      return { kind: 'done', ok: true, lines: await def.run(ctx, args) };
    } catch (e) {
      if (e instanceof CommandError) return fail(e.message);
      return fail(`${head} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** What the palette offers for a partly typed input, best first. */
  suggest(input: string, hints: SuggestionHints = {}): Suggestion[] {
    const typed = input.trimStart().toLowerCase();
    const head = typed.split(/\s+/)[0];
    const out: Suggestion[] = [];
    for (const d of this.defs) {
      const texts = expansions(d, hints).filter((t) => t.toLowerCase().startsWith(typed));
      // Nothing fits what follows the head ('#pause xyz'): still show how the command is typed.
      if (texts.length === 0 && head.length > 1 && typed.includes(' ') && this.find(head, typed.split(/\s+/).slice(1)) === d) texts.push(d.usage);
      for (const text of texts) out.push({ text, usage: d.usage, summary: d.summary, category: d.category, destructive: d.destructive });
    }
    // Category by category, as /help lists them (the sort is stable: registry order within one).
    const rank = (c: CommandCategory) => COMMAND_CATEGORIES.indexOf(c);
    return out.sort((a, b) => rank(a.category) - rank(b.category)).slice(0, 12);
  }
}

/** The concrete inputs a command stands for, with the hints filled in ('#pause <agent>' -> '#pause demo-sma'). */
function expansions(d: CommandDef<unknown>, hints: SuggestionHints): string[] {
  const usage = d.usage;
  if (usage.includes('<SYMBOL>')) return (hints.symbols ?? []).map((s) => usage.replace('<SYMBOL>', s));
  if (usage.includes('<symbol|agent>')) return hints.locked?.length ? hints.locked.map((t) => usage.replace('<symbol|agent>', t)) : [d.name];
  // An optional agent ('#halt [agent]'): the command alone (the account), then one per agent.
  if (usage.includes('[agent]')) return [d.name, ...(hints.agents ?? []).map((a) => `${d.name} ${a}`)];
  // One agent or every one ('#pause <agent|all>'): one per agent, then all.
  if (usage.includes('<agent|all>')) {
    const agents = hints.agents ?? [];
    return agents.length ? [...agents, 'all'].map((a) => usage.replace('<agent|all>', a)) : [d.name];
  }
  if (usage.includes('<agent>')) {
    const agents = hints.agents ?? [];
    return agents.length ? agents.flatMap((a) => choices(usage.replace('<agent>', a))) : [d.name];
  }
  return [d.name];
}

/** A trailing choice of words ('#stop demo-sma close|keep') is one input per word. */
function choices(text: string): string[] {
  const m = /^(.*\s)([a-z-]+(?:\|[a-z-]+)+)$/.exec(text);
  return m ? m[2].split('|').map((w) => m[1] + w) : [text];
}

function fail(message: string): CommandOutcome {
  return { kind: 'done', ok: false, lines: [message] };
}

/** Argument checks shared by the commands. */
export const expect = {
  none(words: string[], head: string): void {
    if (words.length) throw new CommandError(`${head} takes no arguments (got "${words.join(' ')}")`);
  },
  oneAgent(words: string[], head: string): string {
    if (words.length !== 1) throw new CommandError(`${head} needs exactly one agent id, e.g. ${head} demo-sma (got ${words.length ? `"${words.join(' ')}"` : 'none'})`);
    return words[0];
  },
};
