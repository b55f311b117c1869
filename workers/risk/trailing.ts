import type { Side } from '../trading/orders.ts';

/**
 * The trailing stop for a position: `k` x ATR behind the close, and never moved
 * against the position (a long's stop only rises, a short's only falls).
 * Returns the new stop, or null when the stop should stay where it is.
 */
export function trailingStop(side: Side, currentStop: number | null, close: number, atr: number, k: number): number | null {
  if (!(atr > 0) || !(k > 0)) return null;
  const candidate = close - side * k * atr;
  if (currentStop === null) return candidate;
  return side * (candidate - currentStop) > 0 ? candidate : null;
}
