import type { Timeframe } from '../../market/timeframe.ts';
import { FITNESS_WORDS, type Fitness } from '../viability.ts';

/** What an evolution run is asked to do; the same spec and seed give the same run. */
export interface EvolutionSpec {
  /** Cell ids to breed from (one or more; crossover needs two). */
  parents: string[];
  seed: number;
  /** Children per generation. */
  population: number;
  generations: number;
  /** Survivors kept after each generation (the parents of the next), and validated out of sample at the end. */
  keep: number;
  fitness: Fitness;
  /** Fewer in-sample trades than this is unfit (no evidence). */
  minTrades: number;
  symbol: string;
  timeframe: Timeframe;
  inSample: { from: number; to: number };
  outOfSample: { from: number; to: number };
  /** In-sample fitness a survivor needs to stay alive (null: none); default 0. */
  minFitness?: number | null;
  /** Out-of-sample fitness under this share of the in-sample one is a collapse (null: not checked); default 0.5. */
  oosFraction?: number | null;
  /**
   * How children are tested in sample: 'fast' (default) by fastTestCell, the
   * engine's fills without the engine (the same trades, about 10x less CPU), or
   * 'full' by testCell. Survivors are always re-tested by testCell before they are judged.
   */
  evaluation?: 'fast' | 'full';
}

/** What a caller (API, CLI) may leave out. */
export const EVOLUTION_DEFAULTS = { population: 20, generations: 5, keep: 5, fitness: 'sharpe', minTrades: 10, symbol: 'EURUSD', timeframe: 'H1' } as const satisfies Partial<EvolutionSpec>;

export const EVOLUTION_LIMITS = { parents: 10, population: 500, generations: 100 } as const;

/** Each problem with a spec, by field, in words (symbol and timeframe are checked where the bars are read). */
export function evolutionSpecProblems(s: Record<string, unknown>): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  const whole = (field: string, min: number, max: number) => {
    const v = s[field];
    if (!(Number.isInteger(v) && (v as number) >= min && (v as number) <= max)) out.push({ field, message: `must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})` });
  };
  if (!Array.isArray(s.parents) || s.parents.length === 0 || s.parents.length > EVOLUTION_LIMITS.parents || !s.parents.every((p) => typeof p === 'string' && p.length > 0)) {
    out.push({ field: 'parents', message: `must list 1 to ${EVOLUTION_LIMITS.parents} cell ids` });
  }
  whole('seed', 0, 0xffffffff);
  whole('population', 1, EVOLUTION_LIMITS.population);
  whole('generations', 1, EVOLUTION_LIMITS.generations);
  whole('keep', 1, EVOLUTION_LIMITS.population);
  if (Number.isInteger(s.keep) && Number.isInteger(s.population) && (s.keep as number) > (s.population as number)) out.push({ field: 'keep', message: `must not exceed the population (${s.population})` });
  whole('minTrades', 0, 1_000_000);
  if (!Object.hasOwn(FITNESS_WORDS, s.fitness as string)) out.push({ field: 'fitness', message: `must be one of ${Object.keys(FITNESS_WORDS).join(', ')} (got ${JSON.stringify(s.fitness)})` });
  const period = (field: 'inSample' | 'outOfSample') => {
    const p = s[field] as Record<string, unknown> | undefined;
    if (!p || typeof p !== 'object' || !Number.isFinite(p.from) || !Number.isFinite(p.to)) out.push({ field, message: 'must be {from, to} in ms UTC' });
    else if ((p.from as number) >= (p.to as number)) out.push({ field, message: 'from must be before to' });
    else return p as { from: number; to: number };
    return null;
  };
  const i = period('inSample');
  const o = period('outOfSample');
  if (i && o && i.from <= o.to && o.from <= i.to) out.push({ field: 'outOfSample', message: 'overlaps the in-sample period: an out-of-sample check must be on bars the run never saw' });
  if (s.minFitness !== undefined && s.minFitness !== null && !Number.isFinite(s.minFitness)) out.push({ field: 'minFitness', message: 'must be a number or null' });
  if (s.oosFraction !== undefined && s.oosFraction !== null && !((s.oosFraction as number) >= 0 && (s.oosFraction as number) <= 1)) out.push({ field: 'oosFraction', message: 'must be within [0, 1] or null' });
  if (s.evaluation !== undefined && s.evaluation !== 'fast' && s.evaluation !== 'full') out.push({ field: 'evaluation', message: `must be 'fast' or 'full' (got ${JSON.stringify(s.evaluation)})` });
  return out;
}
