import { CommandRegistry } from './registry.ts';
import { addQueries } from './queries.ts';
import { addActions } from './actions.ts';
import { addAlertCommands } from './alerts.ts';
import { addPerformance } from './performance.ts';
import { addSignals } from './signals.ts';
import { addModelStatus } from './models-status.ts';
import { addRiskQueries } from './risk-queries.ts';
import { addPositionAdvice } from './positions-advice.ts';
import { addExplain } from './explain.ts';
import { addOrdersQuery } from './orders-query.ts';
import { addCompare } from './compare.ts';
import { addReadiness } from './readiness.ts';
import { addRamp } from './ramp.ts';
import { addShadow } from './shadow.ts';

export { CommandRegistry, CommandError, COMMAND_CATEGORIES } from './registry.ts';
export type { CommandCategory, CommandContext, CommandDef, CommandOutcome, Suggestion, SuggestionHints } from './registry.ts';

/** The registry every surface uses: the palette, the Telegram bot, the relay. */
export function createCommandRegistry(): CommandRegistry {
  const r = addAlertCommands(addActions(addQueries(new CommandRegistry())));
  addPerformance(r);
  addSignals(r);
  addModelStatus(r);
  addRiskQueries(r);
  addPositionAdvice(r);
  addExplain(r);
  addOrdersQuery(r);
  addCompare(r);
  addReadiness(r);
  addRamp(r);
  addShadow(r);
  return r;
}
export { TelegramCommands } from './telegram.ts';
export type { TelegramCommand, TelegramInput } from './telegram.ts';
export { COMMAND_USAGE_KEY, usageOf, withUse, type CommandUsage } from './usage.ts';
export { planMute, planUnmute, type AlertControl, type DeliveryChange, type MutedFrom } from './alerts.ts';
