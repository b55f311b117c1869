import type { Timeframe } from '../market/timeframe.ts';
import type { Sizing } from '../risk/sizing.ts';
import type { InstrumentSpec } from '../market/instrument.ts';

import type { ChainSettings } from '../models/chain/chain-policy.ts';
import type { RiskLimits } from '../risk/limits.ts';
import { riskLimitsProblems } from '../risk/limits-check.ts';
import { scheduleProblems, type AgentSchedule } from './schedule.ts';

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
  /** When it decides (schedule.ts); absent = every bar close. */
  schedule?: AgentSchedule;
  /** This agent's own risk limits over the account's (breakers, protections, exposure) and its opt-in sizing modifiers. */
  risk?: Partial<RiskLimits> | null;
  /**
   * Paper: decides on the workspace's bars, fills in a paper book (beside live
   * agents on a live account, never reaching its broker); live: real orders.
   * Absent (records from before modes): a replay workspace's agents are paper,
   * a live workspace's are live. Changed only by the agent.mode command.
   */
  mode?: AgentMode;
  /**
   * Follows the screener's watchlist (created on `@watchlist`): its symbols are
   * the watchlist's plus `pinned` (those listed beside it), changed by the
   * host's watchlist sync (host/watchlist-sync.ts) as the watchlist changes.
   */
  watchlist?: { pinned: string[] };
  /**
   * Symbols it only exits: no new entry. A symbol that left the watchlist while
   * the agent held a position or an order in it stays until the next sync finds
   * it flat, its position managed (trailing, exits) but never added to.
   */
  exitOnly?: string[];
}

export type AgentMode = 'paper' | 'live';

export type { AgentSchedule, DailySchedule } from './schedule.ts';

export const DEFAULT_AGENT: Omit<AgentConfig, 'id' | 'name' | 'symbols' | 'timeframe' | 'alpha'> = {
  sizing: { kind: 'risk', riskPct: 1 },
  maxPositionPct: 1000,
  stopAtr: 2,
  targetAtr: null,
  trailAtr: null,
  atrPeriod: 14,
};

/**
 * The largest numbers an agent may hold. A position is capped by
 * maxPositionPct of equity, so that cap is bounded by the most leverage an
 * account can have (1:10,000; retail brokers stop at 1:1000) - which also keeps
 * every notional, in cents, an exact integer. Fixed sizes are bounded in lots
 * of the instrument (cTrader's own maximum order is of that order), ATR
 * multiples and periods by what a chart can show, capital by any account.
 */
export const AGENT_LIMITS = {
  maxPositionPct: 1_000_000,
  fixedLots: 100_000,
  atrMultiple: 100,
  atrPeriod: 1_000,
  capital: 1e12,
} as const;

/**
 * Every problem with a config, in words (empty when it is fine). With the
 * symbols' `instrument` rules (the engine has them) a fixed size is also held
 * to each symbol's minimum order and lot size; without, to the largest lot
 * (100,000 units, FX).
 */
export function agentConfigProblems(c: AgentConfig, instrument?: (symbol: string) => InstrumentSpec): string[] {
  const out: string[] = [];
  const L = AGENT_LIMITS;
  if (!c.id || /[:\s]/.test(c.id)) out.push(`agent id "${c.id}" must be non-empty without spaces or colons`);
  if (c.symbols.length === 0) out.push('an agent needs at least one symbol');
  if (new Set(c.symbols).size !== c.symbols.length) out.push('a symbol is listed twice');
  if (c.sizing.kind === 'risk' && !(c.sizing.riskPct > 0 && c.sizing.riskPct <= 100)) out.push(`risk per trade must be in (0, 100] % (got ${c.sizing.riskPct})`);
  if (c.sizing.kind === 'risk' && c.stopAtr === null) out.push('risk-% sizing needs a stop (stopAtr)');
  if (c.sizing.kind === 'fixed') out.push(...fixedSizeProblems(c.sizing.units, c.symbols, instrument));
  if (!(c.maxPositionPct > 0 && c.maxPositionPct <= L.maxPositionPct)) out.push(`maximum position must be a positive % of equity, at most ${L.maxPositionPct.toLocaleString('en-US')} % (leverage 1:${L.maxPositionPct / 100}) (got ${c.maxPositionPct})`);
  for (const [k, v] of [['stopAtr', c.stopAtr], ['targetAtr', c.targetAtr], ['trailAtr', c.trailAtr]] as const) {
    if (v !== null && !(v > 0 && v <= L.atrMultiple)) out.push(`${k} must be positive, at most ${L.atrMultiple} x ATR, or none (got ${v})`);
  }
  if (c.chain) {
    for (const [k, v] of [['minConfidence', c.chain.minConfidence], ['guardThreshold', c.chain.guardThreshold]] as const) if (!(v >= 0 && v <= 1)) out.push(`${k} must be within [0, 1] (got ${v})`);
    for (const [k, [lo, hi]] of Object.entries(c.chain.bounds)) if (!(lo <= hi && Number.isFinite(lo) && Number.isFinite(hi))) out.push(`bounds of ${k} must be [low, high], finite numbers with low <= high (got [${lo}, ${hi}])`);
  }
  if (c.capital != null && !(c.capital > 0 && c.capital <= L.capital)) out.push(`capital must be a positive amount or none (got ${c.capital}), at most ${L.capital.toLocaleString('en-US')}`);
  if (c.schedule) out.push(...scheduleProblems(c.schedule, c.timeframe));
  if (c.risk != null) out.push(...riskLimitsProblems(c.risk, true).map((p) => `risk: ${p}`));
  const strays = (c.exitOnly ?? []).filter((s) => !c.symbols.includes(s));
  if (strays.length) out.push(`exit-only ${strays.join(', ')} must be among the agent's symbols`);
  if (c.mode !== undefined && c.mode !== 'paper' && c.mode !== 'live') out.push(`mode must be paper or live (got ${JSON.stringify(c.mode)})`);
  if (!Number.isInteger(c.atrPeriod) || c.atrPeriod < 1 || c.atrPeriod > L.atrPeriod) out.push(`ATR period must be a whole number from 1 to ${L.atrPeriod} bars (got ${c.atrPeriod})`);
  return out;
}

/** An FX lot: no instrument has a larger one. */
const LARGEST_LOT_UNITS = 100_000;

/** A fixed size every symbol of the agent can trade: at least its minimum volume, at most AGENT_LIMITS.fixedLots lots. */
function fixedSizeProblems(units: number, symbols: readonly string[], instrument?: (symbol: string) => InstrumentSpec): string[] {
  if (!(units > 0 && Number.isFinite(units))) return [`fixed size must be positive (got ${units} units)`];
  const out: string[] = [];
  const lots = AGENT_LIMITS.fixedLots.toLocaleString('en-US');
  if (!instrument) {
    const max = AGENT_LIMITS.fixedLots * LARGEST_LOT_UNITS;
    if (units > max) out.push(`fixed size of ${units} units is more than ${max.toLocaleString('en-US')} units (${lots} lots of 100,000)`);
    return out;
  }
  for (const s of symbols) {
    const spec = instrument(s);
    const max = AGENT_LIMITS.fixedLots * spec.lotUnits;
    // No "symbol" in these words: the PWA routes a message naming symbols to the symbols field.
    if (units < spec.minVolumeUnits) out.push(`fixed size of ${units} units is below the smallest ${s} order (${spec.minVolumeUnits} units): it could never trade`);
    else if (units > max) out.push(`fixed size of ${units} units is more than ${lots} lots of ${s} (${max.toLocaleString('en-US')} units)`);
  }
  return out;
}
