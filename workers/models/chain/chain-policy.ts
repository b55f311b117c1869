import type { AlphaReading, RiskReading } from './read-outputs.ts';

/** Per-agent settings of the model chain. */
export interface ChainSettings {
  /** Alpha must be at least this sure (0..1) to propose a trade. */
  minConfidence: number;
  /** TradeGuard must allow with at least this probability (0..1). */
  guardThreshold: number;
  /** Bounds of each risk head; a value outside is clamped and the decision says so. */
  bounds: { slMult: [number, number]; tpMult: [number, number]; size: [number, number] };
}

export const DEFAULT_CHAIN: ChainSettings = {
  minConfidence: 0.5,
  guardThreshold: 0.5,
  bounds: { slMult: [0.5, 5], tpMult: [0.5, 10], size: [0, 1] },
};

/** Risk heads after their bounds, with a sentence per clamp ("sl_mult 7.20 clamped to 5"). */
export function boundRisk(r: RiskReading, b: ChainSettings['bounds']): { risk: RiskReading; clamped: string[] } {
  const clamped: string[] = [];
  const clamp = (name: string, v: number, [lo, hi]: [number, number]) => {
    const c = Math.min(hi, Math.max(lo, v));
    if (c !== v) clamped.push(`${name} ${v.toFixed(2)} clamped to ${c}`);
    return c;
  };
  return { risk: { slMult: clamp('sl_mult', r.slMult, b.slMult), tpMult: clamp('tp_mult', r.tpMult, b.tpMult), size: clamp('size', r.size, b.size) }, clamped };
}

export type ChainVerdict =
  | { kind: 'no-trade'; reason: string }
  | { kind: 'blocked'; reason: string }
  | { kind: 'trade'; direction: -1 | 1; risk: RiskReading | null; notes: string[] };

/**
 * The chain's verdict from what each model said: alpha proposes (or not),
 * risk shapes the trade within bounds, the guard allows or blocks. Every
 * refusal carries the numbers that caused it.
 */
export function chainVerdict(s: ChainSettings, alpha: AlphaReading, risk: RiskReading | null, guardAllow: number | null): ChainVerdict {
  if (alpha.direction === 0) return { kind: 'no-trade', reason: `alpha says flat (confidence ${alpha.confidence.toFixed(2)})` };
  if (alpha.confidence < s.minConfidence) return { kind: 'no-trade', reason: `alpha confidence ${alpha.confidence.toFixed(2)} below the minimum ${s.minConfidence}` };
  const notes: string[] = [];
  let bounded: RiskReading | null = null;
  if (risk) {
    const b = boundRisk(risk, s.bounds);
    bounded = b.risk;
    notes.push(...b.clamped);
    if (bounded.size <= 0) return { kind: 'no-trade', reason: `risk model sizes the trade at 0${b.clamped.length ? ` (${b.clamped.join('; ')})` : ''}` };
  }
  if (guardAllow !== null && guardAllow < s.guardThreshold) {
    return { kind: 'blocked', reason: `blocked by TradeGuard: allow probability ${guardAllow.toFixed(2)} < threshold ${s.guardThreshold}` };
  }
  return { kind: 'trade', direction: alpha.direction, risk: bounded, notes };
}
