import type { Side } from '../trading/orders.ts';

/**
 * The trailing stop for a position: `k` x ATR behind the close, and never moved
 * against the position (a long's stop only rises, a short's only falls).
 * Returns the new stop, or null when the stop should stay where it is.
 */
export function trailingStop(side: Side, currentStop: number | null, close: number, atr: number, k: number): number | null {
  if (!(atr > 0) || !(k > 0)) return null;
  return trailBehind(side, currentStop, close, k * atr);
}

/**
 * The same rule with the distance a percentage of the close (`#EURUSD trailing
 * 0.5%`): 0.5 % behind the close, never moved against the position.
 */
export function trailingStopPct(side: Side, currentStop: number | null, close: number, pct: number): number | null {
  if (!(pct > 0) || !(close > 0)) return null;
  return trailBehind(side, currentStop, close, (close * pct) / 100);
}

/** The candidate `distance` behind the close, if it tightens the stop (or there is none). */
function trailBehind(side: Side, currentStop: number | null, close: number, distance: number): number | null {
  const candidate = close - side * distance;
  if (currentStop === null) return candidate;
  return side * (candidate - currentStop) > 0 ? candidate : null;
}

/** A trailing stop a trader sets on a position: a percentage of the close, or a multiple of the ATR. */
export type TrailRule = { kind: 'pct'; pct: number } | { kind: 'atr'; k: number };

/** '0.5 %' or '2 x ATR': how replies and reasons name a rule. */
export function trailText(rule: TrailRule): string {
  return rule.kind === 'pct' ? `${rule.pct} %` : `${rule.k} x ATR`;
}

/** The stop a rule asks for at this close (null: keep the stop where it is). `atr` is read only by the ATR form. */
export function trailRuleStop(rule: TrailRule, side: Side, currentStop: number | null, close: number, atr: number): number | null {
  return rule.kind === 'pct' ? trailingStopPct(side, currentStop, close, rule.pct) : trailingStop(side, currentStop, close, atr, rule.k);
}
