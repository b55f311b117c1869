import type { Timeframe } from '../market/timeframe.ts';
import type { Sizing } from '../risk/sizing.ts';

import type { ChainSettings } from '../models/chain/chain-policy.ts';

/** Where an agent's direction comes from: a built-in rule strategy, or an alpha model bundle. */
export type AlphaSource = { kind: 'rule'; strategy: string; params: Record<string, number | boolean> } | { kind: 'model'; modelId: string };

/** Everything that defines an agent; stored, shown in the app, and enough to rebuild it after a restart. */
export interface AgentConfig {
  id: string;
  name: string;
  symbols: string[];
  timeframe: Timeframe;
  alpha: AlphaSource;
  sizing: Sizing;
  /** Cap on one position's notional, as a percentage of equity. */
  maxPositionPct: number;
  /** Stop at entry -/+ stopAtr x ATR; null = no stop. */
  stopAtr: number | null;
  /** Target at entry +/- targetAtr x ATR; null = no target. */
  targetAtr: number | null;
  /** Trailing stop at trailAtr x ATR behind the close; null = none. */
  trailAtr: number | null;
  /** ATR period (Wilder) for stops, targets and trailing. */
  atrPeriod: number;
  /** A risk model (sl_mult, tp_mult and size heads) replacing stopAtr, targetAtr and the full risk %. */
  riskModel?: string | null;
  /** A TradeGuard model that allows or blocks each proposed trade. */
  guardModel?: string | null;
  /** Confidence and guard thresholds, bounds on the risk heads (defaults: DEFAULT_CHAIN). */
  chain?: ChainSettings;
  /**
   * The part of the account this agent trades with, in account currency: it
   * sizes (risk % and maximum position) on min(account equity, capital), so
   * several agents can share one account without each betting all of it.
   * Null or absent: the whole equity.
   */
  capital?: number | null;
  /** When it decides; absent = every bar close. */
  schedule?: AgentSchedule;
}

/**
 * Every bar close, or once a day at a set UTC time after the daily close
 * (daily-bar agents on markets whose data settle after the close). A replay
 * delivers each daily bar complete at its close, so there both decide on the
 * same bar; the time matters to live feeds, which hold the bar until then.
 */
export type AgentSchedule = { kind: 'every-bar' } | { kind: 'daily'; atUtc: string };

export const DEFAULT_AGENT: Omit<AgentConfig, 'id' | 'name' | 'symbols' | 'timeframe' | 'alpha'> = {
  sizing: { kind: 'risk', riskPct: 1 },
  maxPositionPct: 1000,
  stopAtr: 2,
  targetAtr: null,
  trailAtr: null,
  atrPeriod: 14,
};

/** Every problem with a config, in words (empty when it is fine). */
export function agentConfigProblems(c: AgentConfig): string[] {
  const out: string[] = [];
  if (!c.id || /[:\s]/.test(c.id)) out.push(`agent id "${c.id}" must be non-empty without spaces or colons`);
  if (c.symbols.length === 0) out.push('an agent needs at least one symbol');
  if (new Set(c.symbols).size !== c.symbols.length) out.push('a symbol is listed twice');
  if (c.sizing.kind === 'risk' && !(c.sizing.riskPct > 0 && c.sizing.riskPct <= 100)) out.push(`risk per trade must be in (0, 100] % (got ${c.sizing.riskPct})`);
  if (c.sizing.kind === 'risk' && c.stopAtr === null) out.push('risk-% sizing needs a stop (stopAtr)');
  if (c.sizing.kind === 'fixed' && !(c.sizing.units > 0)) out.push(`fixed size must be positive (got ${c.sizing.units} units)`);
  if (!(c.maxPositionPct > 0)) out.push(`maximum position must be a positive % of equity (got ${c.maxPositionPct})`);
  for (const [k, v] of [['stopAtr', c.stopAtr], ['targetAtr', c.targetAtr], ['trailAtr', c.trailAtr]] as const) {
    if (v !== null && !(v > 0)) out.push(`${k} must be positive or none (got ${v})`);
  }
  if (c.chain) {
    for (const [k, v] of [['minConfidence', c.chain.minConfidence], ['guardThreshold', c.chain.guardThreshold]] as const) if (!(v >= 0 && v <= 1)) out.push(`${k} must be within [0, 1] (got ${v})`);
    for (const [k, [lo, hi]] of Object.entries(c.chain.bounds)) if (!(lo <= hi)) out.push(`bounds of ${k} must be [low, high] with low <= high (got [${lo}, ${hi}])`);
  }
  if (c.capital != null && !(c.capital > 0 && Number.isFinite(c.capital))) out.push(`capital must be a positive amount or none (got ${c.capital})`);
  if (c.schedule?.kind === 'daily') {
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(c.schedule.atUtc)) out.push(`the daily time must be HH:MM in UTC (got "${c.schedule.atUtc}")`);
    if (c.timeframe !== 'D1') out.push(`a once-a-day schedule is for daily-bar agents (this one trades ${c.timeframe} bars)`);
  }
  if (!Number.isInteger(c.atrPeriod) || c.atrPeriod < 1) out.push(`ATR period must be a whole number >= 1 (got ${c.atrPeriod})`);
  return out;
}
