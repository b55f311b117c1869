import { RULE_STRATEGIES } from '../../../workers/strategies/index.ts';

/** A rule strategy's parameters as form text: its defaults, overridden by `values` (no DOM: node tests import it). */
export function paramStrings(strategy: string, values?: Record<string, number | boolean>): Record<string, string | boolean> {
  const def = RULE_STRATEGIES[strategy];
  const out: Record<string, string | boolean> = {};
  for (const [k, v] of Object.entries({ ...def?.defaults, ...values })) out[k] = typeof v === 'boolean' ? v : String(v);
  return out;
}
