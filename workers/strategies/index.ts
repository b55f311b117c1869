import { smaCross } from './sma-cross.ts';
import type { RuleStrategyDef } from './strategy.ts';
import { lookupTable, ownEntry } from '../util/own.ts';

export type { AlphaSignal, Strategy, RuleStrategyDef } from './strategy.ts';

/** Built-in rule strategies by name: usable as an agent's alpha where no model is attached. */
export const RULE_STRATEGIES: Record<string, RuleStrategyDef<Record<string, number | boolean>>> = lookupTable({
  [smaCross.name]: smaCross as unknown as RuleStrategyDef<Record<string, number | boolean>>,
});

export function ruleStrategy(name: string): RuleStrategyDef<Record<string, number | boolean>> {
  const def = ownEntry(RULE_STRATEGIES, name);
  if (!def) throw new Error(`unknown strategy "${name}" (built-in: ${Object.keys(RULE_STRATEGIES).join(', ')})`);
  return def;
}
