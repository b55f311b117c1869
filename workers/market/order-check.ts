import { volumeProblem, type InstrumentSpec } from './instrument.ts';
import type { OrderIntent } from '../trading/orders.ts';

/**
 * Why an order cannot be sent, in words, or null when it can. The engine checks
 * before it submits and every broker checks again on receipt, with this one function.
 */
export function orderProblem(spec: InstrumentSpec, o: Pick<OrderIntent, 'volumeUnits' | 'stopDistance' | 'targetDistance'>): string | null {
  const v = volumeProblem(spec, o.volumeUnits);
  if (v) return v;
  if (o.stopDistance !== null && !(o.stopDistance > 0)) return `stop-loss on the wrong side of the entry (distance ${o.stopDistance})`;
  if (o.targetDistance !== null && !(o.targetDistance > 0)) return `take-profit on the wrong side of the entry (distance ${o.targetDistance})`;
  return null;
}
