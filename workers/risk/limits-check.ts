import { NO_LIMITS, type RiskConfig, type RiskLimits } from './limits.ts';
import { timeZoneProblem } from './trading-day.ts';

/** Bounds of each numeric field: [low, high], and whether it must be whole. Percentages of equity that can exceed 100 (leverage) go to 100,000. */
const PCT = [0, 100] as const;
const BIG_PCT = [0, 100_000] as const;
const COUNT = [1, 10_000] as const;
const BARS = [1, 100_000] as const;

const SCALARS: { [K in keyof RiskLimits]?: { range: readonly [number, number]; whole?: boolean; label: string; openLow?: boolean } } = {
  maxDailyLossPct: { range: PCT, label: 'daily loss limit (% of the day’s starting equity)', openLow: true },
  maxDrawdownPct: { range: PCT, label: 'maximum drawdown (% from peak equity)', openLow: true },
  maxConsecutiveLosses: { range: COUNT, whole: true, label: 'maximum losses in a row' },
  maxOpenPositions: { range: COUNT, whole: true, label: 'maximum open positions (account)' },
  maxOpenPerAgent: { range: COUNT, whole: true, label: 'maximum open positions per agent' },
  maxOpenRiskPct: { range: PCT, label: 'maximum open risk (% of equity)', openLow: true },
  maxCurrencyExposurePct: { range: BIG_PCT, label: 'maximum exposure per currency (% of equity)', openLow: true },
  maxGroupPct: { range: PCT, label: 'maximum share of equity per group (%)', openLow: true },
};

const OBJECTS: { [K in keyof RiskLimits]?: Record<string, { range: readonly [number, number]; whole?: boolean; openLow?: boolean }> } = {
  stopLossGuard: { stops: { range: COUNT, whole: true }, lookbackBars: { range: BARS, whole: true }, lockBars: { range: BARS, whole: true } },
  cooldown: { bars: { range: BARS, whole: true } },
  lowProfit: { trades: { range: COUNT, whole: true }, lookbackBars: { range: BARS, whole: true }, minProfitPct: { range: [-100, 100] }, lockBars: { range: BARS, whole: true } },
  drawdownLock: { trades: { range: COUNT, whole: true }, lookbackBars: { range: BARS, whole: true }, maxDrawdownPct: { range: PCT, openLow: true }, lockBars: { range: BARS, whole: true } },
  correlation: { max: { range: [0, 1], openLow: true }, lookbackBars: { range: [3, 1_000], whole: true } },
  streakSizing: { afterLosses: { range: COUNT, whole: true }, lossFactor: { range: [0, 1], openLow: true }, afterWins: { range: COUNT, whole: true }, winFactor: { range: [1, 10] }, min: { range: [0, 1], openLow: true }, max: { range: [1, 10] } },
  kelly: { fraction: { range: [0, 1], openLow: true }, minTrades: { range: [2, 100_000], whole: true }, maxScale: { range: [0, 10], openLow: true } },
};

const ACTIONS = ['halted', 'reducing'];

function numberProblem(field: string, v: unknown, b: { range: readonly [number, number]; whole?: boolean; openLow?: boolean }): string | null {
  const [lo, hi] = b.range;
  const ok = typeof v === 'number' && Number.isFinite(v) && (b.openLow ? v > lo : v >= lo) && v <= hi && (!b.whole || Number.isInteger(v));
  return ok ? null : `${field} must be ${b.whole ? 'a whole number' : 'a number'} ${b.openLow ? `above ${lo}` : `from ${lo}`} ${b.openLow ? 'and at most' : 'to'} ${hi} (got ${typeof v === 'number' ? v : JSON.stringify(v)})`;
}

/**
 * Every problem with a set of limits, each naming its field (empty when fine).
 * `partial` accepts a subset (an agent's overrides); unknown fields are named too.
 */
export function riskLimitsProblems(limits: Partial<RiskLimits>, partial = false): string[] {
  const out: string[] = [];
  if (typeof limits !== 'object' || limits === null) return ['risk limits must be an object'];
  for (const k of Object.keys(limits)) if (!Object.hasOwn(NO_LIMITS, k)) out.push(`${k} is not a risk limit (known: ${Object.keys(NO_LIMITS).join(', ')})`);
  for (const k of Object.keys(NO_LIMITS) as (keyof RiskLimits)[]) {
    if (!Object.hasOwn(limits, k)) {
      if (!partial) out.push(`${k} is missing`);
      continue;
    }
    const v = limits[k];
    if (k === 'dailyLossAction' || k === 'drawdownAction' || k === 'lossesAction') {
      if (!ACTIONS.includes(v as string)) out.push(`${k} must be 'halted' or 'reducing' (got ${JSON.stringify(v)})`);
      continue;
    }
    if (k === 'resume') {
      if (v !== 'next-day' && v !== 'manual') out.push(`resume must be 'next-day' or 'manual' (got ${JSON.stringify(v)})`);
      continue;
    }
    if (v === null) continue;
    const scalar = SCALARS[k];
    if (scalar) {
      const p = numberProblem(k, v, scalar);
      if (p) out.push(p);
      continue;
    }
    const fields = OBJECTS[k]!;
    if (typeof v !== 'object' || Array.isArray(v)) {
      out.push(`${k} must be an object with ${Object.keys(fields).join(', ')}, or null (off)`);
      continue;
    }
    for (const [f, b] of Object.entries(fields)) {
      const p = numberProblem(`${k}.${f}`, (v as Record<string, unknown>)[f], b);
      if (p) out.push(p);
    }
    for (const f of Object.keys(v)) if (!Object.hasOwn(fields, f) && !(k === 'stopLossGuard' && f === 'scope')) out.push(`${k}.${f} is not a setting of ${k}`);
    if (k === 'stopLossGuard' && !['symbol', 'agent'].includes((v as { scope?: string }).scope ?? '')) out.push(`stopLossGuard.scope must be 'symbol' or 'agent'`);
    if (k === 'streakSizing') {
      const s = v as NonNullable<RiskLimits['streakSizing']>;
      if (s.min > s.max) out.push(`streakSizing.min (${s.min}) must not be above streakSizing.max (${s.max})`);
    }
  }
  return out;
}

/** Every problem with the account's risk config; `knownSymbols` names a group-table entry for a symbol nobody trades. */
export function riskConfigProblems(c: RiskConfig, knownSymbols?: readonly string[]): string[] {
  if (typeof c !== 'object' || c === null) return ['the risk config must be an object'];
  const out = riskLimitsProblems(c.limits ?? ({} as RiskLimits)).map((p) => `limits: ${p}`);
  const tz = typeof c.timeZone === 'string' ? timeZoneProblem(c.timeZone) : 'timeZone must be a string';
  if (tz) out.push(tz);
  if (typeof c.groups !== 'object' || c.groups === null || Array.isArray(c.groups)) out.push('groups must map symbols to group names');
  else
    for (const [symbol, group] of Object.entries(c.groups)) {
      if (typeof group !== 'string' || !group.trim()) out.push(`groups: ${symbol} needs a group name (got ${JSON.stringify(group)})`);
      if (knownSymbols && !knownSymbols.includes(symbol)) out.push(`groups: ${symbol} is not a known symbol (known: ${knownSymbols.join(', ')})`);
    }
  return out;
}
