import { belowMinimumIn } from '../risk/sizing.ts';
import type { DecisionPayload } from '../trading/events.ts';

/**
 * Entries a ramp stage cannot place: its share of the capital sizes them
 * below the symbol's smallest order (a 1% stage of a 10,000 account and a
 * EURUSD entry), so the agent never trades and the stage never completes.
 * The decisions record the skip in words; /ramp and the card say so.
 */

/** An entry skipped because the stage's share sized it below the symbol's smallest order. */
export interface BelowMinimum {
  symbol: string;
  /** What the entry came to, and the symbol's minimum, in units. */
  units: number;
  minUnits: number;
}

/** An entry the decision skipped below the symbol's minimum volume: sizing's own skip, or a risk rule's resize below it. */
export function belowMinimumOf(d: DecisionPayload): BelowMinimum | null {
  const sized = belowMinimumIn(d.reason);
  if (sized) return sized;
  const n = d.risk?.find((x) => x.code === 'size-below-minimum');
  return n && Number.isFinite(n.numbers.minUnits) ? { symbol: d.symbol, units: n.numbers.units ?? n.toUnits ?? 0, minUnits: n.numbers.minUnits } : null;
}

/** Units as the words quote them: 1,000; 450; 0.05. */
export const units = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: x < 10 ? 2 : 0 });

/** "held: entries at this stage are below EURUSD's minimum of 1,000 units (the last: 450 units)". */
export function belowMinimumWords(xs: readonly BelowMinimum[]): string {
  return `held: entries at this stage are below ${xs.map((x) => `${x.symbol}'s minimum of ${units(x.minUnits)} units (the last: ${units(x.units)})`).join(' and ')}`;
}

