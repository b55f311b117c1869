import { smaCross } from './sma-cross.ts';
import type { RuleStrategyDef } from './strategy.ts';
import { lookupTable, ownEntry } from '../util/own.ts';
import { BUILTIN_CELLS } from '../lab/builtin-cells.ts';
import { labStrategyDef } from './lab-strategy.ts';

export type { AlphaSignal, Strategy, RuleStrategyDef, StrategyLevels } from './strategy.ts';

type AnyRule = RuleStrategyDef<Record<string, number | boolean>>;

/**
 * Built-in rule strategies by name: usable as an agent's alpha where no model
 * is attached. The built-in cells of the strategy lab are here as
 * `lab:<name>` (lab:sma-cross, lab:breakout ...), programs with no parameters.
 */
export const RULE_STRATEGIES: Record<string, AnyRule> = lookupTable({
  [smaCross.name]: smaCross as unknown as AnyRule,
  ...Object.fromEntries(BUILTIN_CELLS.map((c) => [`lab:${c.name}`, labStrategyDef(`lab:${c.name}`, c.hypothesis, c.source) as unknown as AnyRule])),
});

/**
 * Stored cells as rule strategies, `lab:<cell id>`, registered by whoever
 * loaded them from the store (the relay at start and on each new cell, the
 * browser's workspace, the CLI for a --cell file). A cell's source never
 * changes under its id (a change is a fork, a new id), so one table serves
 * every engine of the process.
 */
const CELL_STRATEGIES: Record<string, AnyRule> = lookupTable({});

/**
 * Makes a cell's program available as the rule strategy `name` (lab:<id>).
 * Throws with every error at its line and column when the source does not
 * compile; registering the same name again with the same source is a no-op.
 */
export function registerCellStrategy(name: string, description: string, source: string): void {
  if (ownEntry(RULE_STRATEGIES, name)) throw new Error(`"${name}" is a built-in strategy: a cell needs another id`);
  const known = ownEntry(CELL_STRATEGIES, name) as (AnyRule & { source?: string }) | undefined;
  if (known && known.source === source) return;
  CELL_STRATEGIES[name] = Object.assign(labStrategyDef(name, description, source) as unknown as AnyRule, { source });
}

export function ruleStrategy(name: string): AnyRule {
  const def = ownEntry(RULE_STRATEGIES, name) ?? ownEntry(CELL_STRATEGIES, name);
  if (!def) {
    if (name.startsWith('lab:')) throw new Error(`unknown cell "${name.slice(4)}" (no stored cell has that id, or it was not loaded; built-in cells: ${BUILTIN_CELLS.map((c) => `lab:${c.name}`).join(', ')})`);
    throw new Error(`unknown strategy "${name}" (built-in: ${Object.keys(RULE_STRATEGIES).join(', ')})`);
  }
  return def;
}

/** True when `name` resolves (a built-in, or a cell registered in this process). */
export function isRuleStrategy(name: string): boolean {
  return ownEntry(RULE_STRATEGIES, name) !== undefined || ownEntry(CELL_STRATEGIES, name) !== undefined;
}
