import { CommandError, COMMAND_CATEGORIES, type CommandCategory, type CommandDef, type CommandRegistry } from './registry.ts';

/**
 * The registry's commands under the names a Telegram chat can type.
 *
 * Telegram only knows `/name` (a-z, 0-9 and _, at most 32 characters), so the
 * `#` actions need names of their own; the palette keeps its names. Queries
 * keep theirs ('/status' is '/status'). A command added to the registry later
 * gets a derived name ('#cancel-all' -> '/cancel_all') unless it is listed
 * here; a pattern command ('#<SYMBOL> ...') must be listed to be reachable.
 */

interface Alias {
  /** The Telegram name, without the slash. */
  name: string;
  /** How to type it when the registry's usage does not translate word for word. */
  usage?: string;
  /**
   * A pattern command's action word: '/setstop EURUSD 1.17' is the palette's
   * '#EURUSD stop 1.17' (the first word becomes the head, then the action, then the rest).
   */
  action?: string;
  /** What the first word of a pattern command names: a symbol (default) or an order id. */
  subject?: 'symbol' | 'order';
}

/** Keyed by the registry's name. */
const ALIASES: Readonly<Record<string, Alias>> = {
  '/pnl': { name: 'pnl' },
  '/daily': { name: 'daily' },
  '/weekly': { name: 'weekly' },
  '/monthly': { name: 'monthly' },
  '/risk': { name: 'risk' },
  '/locks': { name: 'locks' },
  '#halt': { name: 'halt' },
  '#reduce': { name: 'stopentry' },
  '#resume-trading': { name: 'resumetrading' },
  '#unlock': { name: 'unlock' },
  '#pause': { name: 'pause' },
  '#resume': { name: 'resume' },
  '#stop': { name: 'stop' },
  '#<SYMBOL>': { name: 'close', usage: '/close [SYMBOL]', action: 'close' },
  '#<SYMBOL> stop': { name: 'setstop', usage: '/setstop <SYMBOL> <price|none>', action: 'stop' },
  '#<SYMBOL> target': { name: 'settarget', usage: '/settarget <SYMBOL> <price|none>', action: 'target' },
  '#<SYMBOL> trailing': { name: 'trail', usage: '/trail <SYMBOL> <pct|k x ATR|none>', action: 'trailing' },
  '#<order id>': { name: 'cancel', usage: '/cancel <order id>', action: 'cancel', subject: 'order' },
  '#cancel-all': { name: 'cancelall' },
  '#set-stops': { name: 'setstops' },
  '#take-profits': { name: 'closeprofits' },
  '#buy': { name: 'buy' },
  '#sell': { name: 'sell' },
  '#close-all': { name: 'closeall' },
  '#emergency-stop': { name: 'emergency' },
  // /shadow is the comparison; starting a shadow needs a name of its own in a chat.
  '#shadow': { name: 'shadowstart' },
  '/strategy-performance': { name: 'strategies' },
  '/risk-limits': { name: 'limits' },
  '/circuit-breaker': { name: 'breakers' },
  '/stress-test': { name: 'stresstest' },
  '/take-profits': { name: 'profits' },
  '/cut-losses': { name: 'losses' },
  '/ml-status': { name: 'mlstatus' },
};

export interface TelegramCommand {
  /** Without the slash: 'closeall'. */
  name: string;
  def: CommandDef<unknown>;
  /** How to type it in a chat: '/pause <agent>'. */
  usage: string;
  /** The registry's category: /help and the menu group by it as the palette does. */
  group: CommandCategory;
}

const VALID_NAME = /^[a-z0-9_]{1,32}$/;

export class TelegramCommands {
  readonly list: readonly TelegramCommand[];
  private readonly byName = new Map<string, TelegramCommand>();
  /** Palette names and their Telegram spelling, longest first so '#resume-trading' is replaced before '#resume'. */
  private readonly renames: [RegExp, string][];
  /** Pattern commands in a reply ('#EURUSD stop', '#<SYMBOL> close', '#<order id> cancel') and their Telegram spelling. */
  private readonly patternRenames: [RegExp, string][] = [];

  constructor(readonly registry: CommandRegistry) {
    const list: TelegramCommand[] = [];
    // In /help's order: category by category, questions before actions.
    for (const def of registry.byCategory().flatMap((g) => g.defs)) {
      const alias = ALIASES[def.name];
      if (!alias && def.matches) continue; // a pattern with no Telegram name: the palette only
      const name = alias?.name ?? def.name.slice(1).toLowerCase().replace(/-/g, '_');
      if (!VALID_NAME.test(name)) throw new Error(`command ${def.name}: "${name}" is not a Telegram command name`);
      if (this.byName.has(name)) throw new Error(`commands ${this.byName.get(name)!.def.name} and ${def.name} both map to /${name}`);
      const usage = alias?.usage ?? (def.usage.startsWith(def.name) ? `/${name}${def.usage.slice(def.name.length)}` : `/${name}`);
      const cmd: TelegramCommand = { name, def, usage, group: def.category };
      this.byName.set(name, cmd);
      list.push(cmd);
      if (def.matches && alias?.action) {
        const [placeholder, subject] = alias.subject === 'order' ? ['<order id>', '([^\\s:]+(?::[^\\s:]+)+)'] : ['<SYMBOL>', '([A-Z][A-Z0-9._-]*)'];
        this.patternRenames.push([new RegExp(`#${escapeRegExp(placeholder)} ${alias.action}\\b`, 'g'), `/${name} ${placeholder}`], [new RegExp(`#${subject} ${alias.action}\\b`, 'g'), `/${name} $1`]);
      }
    }
    this.list = list;
    this.renames = list
      .filter((c) => !c.def.matches && c.def.name !== `/${c.name}`)
      .sort((a, b) => b.def.name.length - a.def.name.length)
      .map((c) => [new RegExp(`${escapeRegExp(c.def.name)}(?![\\w-])`, 'g'), `/${c.name}`]);
  }

  get(name: string): TelegramCommand | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /**
   * What a typed Telegram command stands for: a registry input to execute, the
   * help text, the position picker (`/close` alone), or a one-line refusal
   * with the usage. Arguments are checked here, so a bad one never reaches the
   * host.
   */
  input(name: string, words: string[]): TelegramInput {
    const n = name.toLowerCase();
    if (n === 'start' || n === 'help') return this.help(words);
    const cmd = this.get(n);
    if (!cmd) return { kind: 'error', line: `unknown command "/${name}" — /help lists them` };
    const def = cmd.def;
    let input: string;
    if (def.matches) {
      // '/close EURUSD' is the palette's '#EURUSD close'; '/setstop EURUSD 1.17' its '#EURUSD stop 1.17'.
      const action = ALIASES[def.name]?.action ?? 'close';
      if (words.length === 0 && action === 'close') return { kind: 'pick-position' };
      const head = `#${words[0] ?? ''}`;
      const rest = [action, ...words.slice(1)];
      if (words.length === 0 || (action === 'close' && words.length > 1) || this.registry.find(head, rest) !== def) {
        const what = ALIASES[def.name]?.subject === 'order' ? 'an order id' : 'a symbol';
        return { kind: 'error', line: action === 'close' ? `/${cmd.name} takes one symbol, e.g. /${cmd.name} EURUSD (usage: ${cmd.usage})` : `/${cmd.name} starts with ${what} (usage: ${cmd.usage})` };
      }
      input = [head, ...rest].join(' ');
    } else input = [def.name, ...words].join(' ');
    const [head, ...rest] = input.split(' ');
    try {
      def.parse(rest, head);
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      // A refusal that already gives the usage (in palette words, renamed by text()) is not given it twice.
      const said = this.text(e.message);
      return { kind: 'error', line: said.includes('(usage: ') ? said : `${said} (usage: ${cmd.usage})` };
    }
    return { kind: 'run', input, command: cmd };
  }

  /** `/help` grouped, or one command's usage. */
  help(words: string[]): TelegramInput {
    if (words.length > 1) return { kind: 'error', line: `/help takes at most one command name (usage: /help [command])` };
    if (words.length === 1) {
      const w = words[0].replace(/^[/#]/, '').toLowerCase();
      const cmd = this.get(w) ?? this.list.find((c) => c.def.name.slice(1) === w);
      if (!cmd) return { kind: 'error', line: `unknown command "${words[0]}" — /help lists them` };
      return { kind: 'help', lines: [this.text(line(cmd))] };
    }
    const lines: string[] = [];
    for (const g of COMMAND_CATEGORIES) {
      const cmds = this.list.filter((c) => c.group === g);
      if (cmds.length) lines.push(`${g}:`, ...cmds.map((c) => `  ${this.text(line(c))}`));
    }
    lines.push('Commands marked "asks first" answer with Confirm / Cancel buttons, valid for 60 s.');
    return { kind: 'help', lines };
  }

  /** The menu for setMyCommands, in the help's order. */
  menu(): { command: string; description: string }[] {
    return COMMAND_CATEGORIES.flatMap((g) => this.list.filter((c) => c.group === g)).map((c) => ({ command: c.name, description: this.text(c.def.summary).slice(0, 256) }));
  }

  /** A reply from the registry with every palette command it mentions spelled as a chat types it. */
  text(s: string): string {
    let out = s;
    for (const [re, to] of this.patternRenames) out = out.replace(re, to);
    for (const [re, to] of this.renames) out = out.replace(re, to);
    return out;
  }
}

export type TelegramInput =
  | { kind: 'run'; input: string; command: TelegramCommand }
  | { kind: 'help'; lines: string[] }
  | { kind: 'pick-position' }
  | { kind: 'error'; line: string };

function line(c: TelegramCommand): string {
  return `${c.usage} — ${c.def.summary}${c.def.destructive ? ' (asks first)' : ''}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
