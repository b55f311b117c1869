import type { BacktestMetrics } from './metrics.ts';
import { strategyText, type BacktestRecord } from './stored-run.ts';

/**
 * Two or more stored runs side by side: their metrics in one table (the best of each row
 * marked) and their equity curves on one time axis, as % return from each run's own start so
 * runs with different capital compare fairly.
 */

type MetricKey = Exclude<keyof BacktestMetrics, 'refusals'>;

/** The rows of the comparison, in order; `better` says which way is good (null: neither). */
export const COMPARED_METRICS: readonly { key: MetricKey; label: string; unit: string; better: 'higher' | 'lower' | null }[] = [
  { key: 'totalReturnPct', label: 'Total return', unit: '%', better: 'higher' },
  { key: 'cagrPct', label: 'CAGR', unit: '%', better: 'higher' },
  { key: 'sharpe', label: 'Sharpe', unit: '', better: 'higher' },
  { key: 'sortino', label: 'Sortino', unit: '', better: 'higher' },
  { key: 'maxDrawdownPct', label: 'Max drawdown', unit: '%', better: 'lower' },
  { key: 'trades', label: 'Trades', unit: '', better: null },
  { key: 'winRatePct', label: 'Win rate', unit: '%', better: 'higher' },
  { key: 'profitFactor', label: 'Profit factor', unit: '', better: 'higher' },
  { key: 'expectancy', label: 'Expectancy per trade', unit: 'money', better: 'higher' },
  { key: 'exposurePct', label: 'Exposure', unit: '%', better: null },
  { key: 'finalEquity', label: 'Final equity', unit: 'money', better: null },
];

export interface ComparedRow {
  key: MetricKey;
  label: string;
  unit: string;
  values: number[];
  /** Indexes of the runs with the best value (ties all marked; none when the row has no better side or no finite value). */
  best: number[];
}

export interface Comparison {
  runs: { id: string; name: string; strategy: string; market: string }[];
  rows: ComparedRow[];
  /** Configuration fields that differ between the runs, each with its value per run. */
  differences: { label: string; values: string[] }[];
  /** Union of the runs' sample times (ascending), and each run's return % at those times (null where it has no sample). */
  curves: { time: number[]; returnPct: (number | null)[][] };
}

export function compareRuns(runs: readonly BacktestRecord[]): Comparison {
  if (runs.length < 2) throw new Error(`a comparison needs two runs or more (got ${runs.length})`);
  const rows = COMPARED_METRICS.map(({ key, label, unit, better }) => {
    const values = runs.map((r) => r.metrics[key]);
    return { key, label, unit, values, best: bestOf(values, better) };
  });
  return {
    runs: runs.map((r) => ({ id: r.id, name: r.agent.name, strategy: strategyText(r.agent), market: `${r.symbol} ${r.timeframe}` })),
    rows,
    differences: differences(runs),
    curves: overlay(runs),
  };
}

function bestOf(values: number[], better: 'higher' | 'lower' | null): number[] {
  const finite = values.filter((v) => !Number.isNaN(v));
  if (!better || finite.length === 0) return [];
  const target = better === 'higher' ? Math.max(...finite) : Math.min(...finite);
  // One run alone at the best is worth marking; every run equal is not.
  const best = values.flatMap((v, i) => (v === target ? [i] : []));
  return best.length === values.length ? [] : best;
}

const DAY = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

/** The settings a trader changes between runs, as text. */
const CONFIG_FIELDS: readonly [string, (r: BacktestRecord) => string][] = [
  ['Market', (r) => `${r.symbol} ${r.timeframe}`],
  ['Period (UTC)', (r) => `${DAY(r.range.from)} .. ${DAY(r.range.to)}`],
  ['Signal', (r) => strategyText(r.agent)],
  ['Models', (r) => r.models.map((m) => m.id).join(', ') || 'none'],
  ['Minimum confidence', (r) => (r.agent.chain && r.models.some((m) => m.role === 'alpha') ? String(r.agent.chain.minConfidence) : '-')],
  ['Guard threshold', (r) => (r.agent.chain && r.models.some((m) => m.role === 'guard') ? String(r.agent.chain.guardThreshold) : '-')],
  ['Sizing', (r) => (r.agent.sizing.kind === 'risk' ? `${r.agent.sizing.riskPct}% risk` : `${r.agent.sizing.units} units`)],
  ['Stop / target / trail (x ATR)', (r) => [r.agent.stopAtr, r.agent.targetAtr, r.agent.trailAtr].map((x) => x ?? '-').join(' / ')],
  ['Costs', (r) => `spread ${r.account.costs.spreadPips} pips, slippage ${r.account.costs.slippagePips} pips, ${r.account.costs.commission.kind === 'none' ? 'no commission' : r.account.costs.commission.kind === 'per-lot' ? `${r.account.costs.commission.perLot} per lot` : `${r.account.costs.commission.fraction} of notional`}`],
  ['Capital', (r) => `${r.account.initialCash} at ${r.account.leverage}:1`],
  ['Account risk limits', (r) => limitsOn(r).join(', ') || 'off'],
];

/** The risk limits a run had on (a number or a rule's settings; actions and the resume mode are not limits). */
export function limitsOn(r: Pick<BacktestRecord, 'risk'>): string[] {
  if (!r.risk) return [];
  return Object.entries(r.risk.limits).filter(([, v]) => v !== null && typeof v !== 'string').map(([k]) => k);
}

function differences(runs: readonly BacktestRecord[]): Comparison['differences'] {
  return CONFIG_FIELDS.map(([label, text]) => ({ label, values: runs.map(text) })).filter((d) => d.values.some((v) => v !== d.values[0]));
}

function overlay(runs: readonly BacktestRecord[]): Comparison['curves'] {
  const time = [...new Set(runs.flatMap((r) => r.equity.time))].sort((a, b) => a - b);
  const at = new Map(time.map((t, i) => [t, i]));
  const returnPct = runs.map((r) => {
    const out: (number | null)[] = new Array(time.length).fill(null);
    const start = r.metrics.initialEquity;
    r.equity.time.forEach((t, i) => (out[at.get(t)!] = start > 0 ? (r.equity.equity[i] / start - 1) * 100 : null));
    return out;
  });
  return { time, returnPct };
}
