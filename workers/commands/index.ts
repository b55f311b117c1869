import { CommandRegistry } from './registry.ts';
import { addQueries } from './queries.ts';
import { addActions } from './actions.ts';

export { CommandRegistry, CommandError, COMMAND_CATEGORIES } from './registry.ts';
export type { CommandCategory, CommandContext, CommandDef, CommandOutcome, Suggestion, SuggestionHints } from './registry.ts';

/** The registry every surface uses: the palette, the Telegram bot, the relay. */
export function createCommandRegistry(): CommandRegistry {
  return addActions(addQueries(new CommandRegistry()));
}
export { TelegramCommands } from './telegram.ts';
export type { TelegramCommand, TelegramInput } from './telegram.ts';
export { COMMAND_USAGE_KEY, usageOf, withUse, type CommandUsage } from './usage.ts';
