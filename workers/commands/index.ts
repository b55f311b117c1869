import { CommandRegistry } from './registry.ts';
import { addQueries } from './queries.ts';
import { addActions } from './actions.ts';
import { addAlertCommands } from './alerts.ts';

export { CommandRegistry, CommandError, COMMAND_CATEGORIES } from './registry.ts';
export type { CommandCategory, CommandContext, CommandDef, CommandOutcome, Suggestion, SuggestionHints } from './registry.ts';

/** The registry every surface uses: the palette, the Telegram bot, the relay. */
export function createCommandRegistry(): CommandRegistry {
  return addAlertCommands(addActions(addQueries(new CommandRegistry())));
}
export { TelegramCommands } from './telegram.ts';
export type { TelegramCommand, TelegramInput } from './telegram.ts';
export { COMMAND_USAGE_KEY, usageOf, withUse, type CommandUsage } from './usage.ts';
export { planMute, planUnmute, type AlertControl, type DeliveryChange, type MutedFrom } from './alerts.ts';
