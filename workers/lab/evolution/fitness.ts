import type { CellMetrics } from '../cell.ts';
import { FITNESS_WORDS, fitnessOf, type Fitness } from '../viability.ts';

/** How an evolution ranks its children: a fitness measure, and the fewest trades that count as evidence. */
export interface FitnessRule {
  fitness: Fitness;
  minTrades: number;
}

export type Score = { fit: true; score: number } | { fit: false; score: number; reason: string };

/**
 * A child's fitness on its in-sample test: the chosen measure (Sharpe,
 * profit factor, return over drawdown) when it traded at least minTrades
 * times and ran without error; otherwise unfit, with the reason in words.
 * Unfit children rank below every fit one (score -Infinity).
 */
export function scoreOf(metrics: CellMetrics, error: { bar: number; message: string } | null, rule: FitnessRule): Score {
  if (error) return { fit: false, score: -Infinity, reason: error.bar >= 0 ? `run-time error at bar ${error.bar}: ${error.message}` : error.message };
  if (metrics.trades === 0) return { fit: false, score: -Infinity, reason: 'no trades' };
  if (metrics.trades < rule.minTrades) return { fit: false, score: -Infinity, reason: `only ${metrics.trades} trades, fewer than ${rule.minTrades}` };
  const score = fitnessOf(metrics, rule.fitness);
  if (Number.isNaN(score)) return { fit: false, score: -Infinity, reason: `${FITNESS_WORDS[rule.fitness]} is not a number` };
  return { fit: true, score };
}

/**
 * Orders candidates fittest first; equal scores keep their order (earlier
 * born first), so a run's survivors are the same every time.
 */
export function fittestFirst<T extends { score: Score; order: number }>(items: readonly T[]): T[] {
  return [...items].sort((x, y) => (x.score.score === y.score.score ? x.order - y.order : x.score.score > y.score.score ? -1 : 1));
}
