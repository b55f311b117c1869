import type { Timeframe } from '../market/timeframe.ts';
import type { Sizing } from '../risk/sizing.ts';

/** Where an agent's direction comes from. Model bundles join with the models issue. */
export type AlphaSource = { kind: 'rule'; strategy: string; params: Record<string, number | boolean> };

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
}

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
  if (!Number.isInteger(c.atrPeriod) || c.atrPeriod < 1) out.push(`ATR period must be a whole number >= 1 (got ${c.atrPeriod})`);
  return out;
}
