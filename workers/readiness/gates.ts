/**
 * The readiness gates an agent's paper record must pass before it trades live
 * (issue 15 item 4), with the defaults of a trader's written go-live plan.
 * A workspace keeps its own values in the settings under READINESS_SETTING
 * (any subset: the rest stay default); the agent.mode command and the
 * /readiness query read the same.
 */
export interface ReadinessGates {
  /** Closed paper trades at least (agents on D1 or longer bars, or on a daily schedule: minTradesDaily). */
  minTrades: number;
  minTradesDaily: number;
  /** Winning closed trades, % of them, at least. */
  minWinRatePct: number;
  /** Gross profit / gross loss, net of commissions, at least. */
  minProfitFactor: number;
  /** Deepest fall of the agent's paper equity from its peak, % at most. */
  maxDrawdownPct: number;
  /** Annualised Sharpe of the paper equity's bar-to-bar returns (backtest/metrics.ts), at least. */
  minSharpe: number;
  /** No critical error (a model fault, a rejected order, a failed risk rule) in this many days before now. */
  errorFreeDays: number;
  /** An emergency stop pressed while the agent traded paper. */
  requireEmergencyStop: boolean;
  /** A circuit breaker (drawdown, daily loss, losing streak) tripped on the agent while it traded paper. */
  requireBreakerTrip: boolean;
}

export const DEFAULT_READINESS_GATES: ReadinessGates = {
  minTrades: 300,
  minTradesDaily: 30,
  minWinRatePct: 60,
  minProfitFactor: 1.5,
  maxDrawdownPct: 15,
  minSharpe: 1,
  errorFreeDays: 7,
  requireEmergencyStop: true,
  requireBreakerTrip: true,
};

/** The settings key a workspace keeps its gate values under (a partial ReadinessGates). */
export const READINESS_SETTING = 'readiness.gates';

/** The stored values over the defaults; an unusable stored value is left at its default (readinessGatesProblems names it). */
export function readinessGates(stored: Partial<ReadinessGates> | null | undefined): ReadinessGates {
  const out = { ...DEFAULT_READINESS_GATES };
  if (!stored) return out;
  const bad = new Set(readinessGatesProblems(stored).map((p) => p.split(' ')[0]));
  for (const k of Object.keys(DEFAULT_READINESS_GATES) as (keyof ReadinessGates)[]) {
    if (Object.hasOwn(stored, k) && !bad.has(k)) (out as Record<string, number | boolean>)[k] = stored[k] as number | boolean;
  }
  return out;
}

/** Every problem of a set of gate values, each starting with the field's name. */
export function readinessGatesProblems(g: Partial<ReadinessGates>): string[] {
  const out: string[] = [];
  const counts = ['minTrades', 'minTradesDaily', 'errorFreeDays'] as const;
  for (const k of counts) if (g[k] !== undefined && !(Number.isInteger(g[k]) && g[k]! >= 0)) out.push(`${k} must be a whole number, 0 or more (got ${g[k]})`);
  const ranges: [keyof ReadinessGates, number, number][] = [['minWinRatePct', 0, 100], ['maxDrawdownPct', 0, 100], ['minProfitFactor', 0, 1000], ['minSharpe', -100, 100]];
  for (const [k, lo, hi] of ranges) {
    const v = g[k];
    if (v !== undefined && !(typeof v === 'number' && v >= lo && v <= hi)) out.push(`${k} must be a number from ${lo} to ${hi} (got ${v})`);
  }
  for (const k of ['requireEmergencyStop', 'requireBreakerTrip'] as const) if (g[k] !== undefined && typeof g[k] !== 'boolean') out.push(`${k} must be true or false (got ${g[k]})`);
  return out;
}
