import type { CellMetrics, CellResult, CellStatus } from './cell.ts';

/** How a cell's fitness is measured. */
export type Fitness = 'sharpe' | 'profitFactor' | 'returnOverDrawdown';

export const FITNESS_WORDS: Record<Fitness, string> = { sharpe: 'Sharpe', profitFactor: 'profit factor', returnOverDrawdown: 'return over drawdown' };

/**
 * What keeps a cell alive. Each criterion is explicit and can be switched off
 * (null): a trader decides what "dead" means for their lab.
 */
export interface ViabilityCriteria {
  /** Fewer trades than this on a test is no evidence at all. */
  minTrades: number;
  fitness: Fitness;
  /** In-sample fitness below this is dead; null: no floor. */
  minFitness: number | null;
  /** Out-of-sample fitness below this share of the in-sample one is a collapse (an overfit); null: not checked. */
  oosFraction: number | null;
}

export const DEFAULT_VIABILITY: ViabilityCriteria = { minTrades: 1, fitness: 'sharpe', minFitness: 0, oosFraction: 0.5 };

/** The fitness of one test (return over drawdown: a run without drawdown is as good as its return is positive). */
export function fitnessOf(m: CellMetrics, f: Fitness): number {
  if (f === 'sharpe') return m.sharpe;
  if (f === 'profitFactor') return m.profitFactor;
  if (m.maxDrawdownPct > 0) return m.totalReturnPct / m.maxDrawdownPct;
  return m.totalReturnPct > 0 ? Infinity : 0;
}

const fmt = (x: number) => (Number.isFinite(x) ? String(Math.round(x * 100) / 100) : x > 0 ? 'infinite' : String(x));

/**
 * Alive or dead, and why: a run-time error first (the bar and the message),
 * then each test without enough trades, in-sample fitness under the floor,
 * and an out-of-sample test that collapsed against the in-sample one. Results
 * without a sample mark count as in-sample.
 */
export function judgeCell(results: readonly CellResult[], error: { bar: number; message: string } | null, c: ViabilityCriteria = DEFAULT_VIABILITY): CellStatus {
  if (error) return { alive: false, failing: `run-time error at bar ${error.bar}: ${error.message}`, error };
  if (results.length === 0) return { alive: false, failing: 'never tested' };
  const where = (r: CellResult) => `${r.symbol} ${r.timeframe}${r.sample === 'out' ? ' out-of-sample' : ''}`;
  for (const r of results) {
    if (r.metrics.trades < c.minTrades) return { alive: false, failing: r.metrics.trades === 0 ? `no trades on ${where(r)}` : `only ${r.metrics.trades} trades on ${where(r)}, fewer than ${c.minTrades}` };
  }
  const name = FITNESS_WORDS[c.fitness];
  const inSample = results.filter((r) => r.sample !== 'out');
  if (c.minFitness !== null) {
    for (const r of inSample) {
      const f = fitnessOf(r.metrics, c.fitness);
      if (!(f >= c.minFitness)) return { alive: false, failing: `${name} ${fmt(f)} on ${where(r)} is below ${c.minFitness}` };
    }
  }
  if (c.oosFraction !== null) {
    for (const out of results.filter((r) => r.sample === 'out')) {
      const twin = inSample.find((r) => r.symbol === out.symbol && r.timeframe === out.timeframe) ?? inSample[0];
      if (!twin) continue;
      const fi = fitnessOf(twin.metrics, c.fitness);
      const fo = fitnessOf(out.metrics, c.fitness);
      if (fi > 0 && !(fo >= c.oosFraction * fi)) return { alive: false, failing: `out-of-sample collapse on ${out.symbol} ${out.timeframe}: ${name} ${fmt(fo)} out of sample, under ${c.oosFraction * 100} % of the ${fmt(fi)} in sample` };
    }
  }
  return { alive: true };
}

/** "🟢 alive" or "💀 dead — <criterion>": how every view and the CLI show a cell's status. */
export function statusText(s: CellStatus): string {
  return s.alive ? '🟢 alive' : `💀 dead — ${s.failing ?? 'no reason recorded'}`;
}

/** Criteria from a caller (API, CLI), each problem in words; null fields switch a criterion off. */
export function viabilityProblems(c: Partial<Record<keyof ViabilityCriteria, unknown>>): string[] {
  const out: string[] = [];
  if (c.minTrades !== undefined && !(Number.isInteger(c.minTrades) && (c.minTrades as number) >= 0)) out.push(`minTrades must be a whole number of trades, 0 or more (got ${JSON.stringify(c.minTrades)})`);
  if (c.fitness !== undefined && !Object.hasOwn(FITNESS_WORDS, c.fitness as string)) out.push(`fitness must be one of ${Object.keys(FITNESS_WORDS).join(', ')} (got ${JSON.stringify(c.fitness)})`);
  if (c.minFitness !== undefined && c.minFitness !== null && !Number.isFinite(c.minFitness)) out.push(`minFitness must be a number or null (got ${JSON.stringify(c.minFitness)})`);
  if (c.oosFraction !== undefined && c.oosFraction !== null && !((c.oosFraction as number) >= 0 && (c.oosFraction as number) <= 1)) out.push(`oosFraction must be within [0, 1] or null (got ${JSON.stringify(c.oosFraction)})`);
  return out;
}
