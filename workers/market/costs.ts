import { pipsToPrice, type InstrumentSpec } from './instrument.ts';
import type { Side } from '../trading/orders.ts';

/** Commission charged on each fill (entry and exit alike). */
export type Commission =
  | { kind: 'none' }
  /** Account money per lot traded, per side (FX style: e.g. 3.5 per 100k lot). */
  | { kind: 'per-lot'; perLot: number }
  /** A fraction of the filled notional, per side (stock and crypto style: 0.001 = 0.1%). */
  | { kind: 'notional'; fraction: number };

/**
 * The paper account's trading costs. Bar prices are BID prices (as cTrader's
 * trendbars are): buying pays the ask = bid + spread; slippage always moves a
 * market or stop fill against the trader. Targets fill at their price: they are
 * resting limit orders.
 */
export interface CostModel {
  spreadPips: number;
  slippagePips: number;
  commission: Commission;
}

export const NO_COSTS: CostModel = { spreadPips: 0, slippagePips: 0, commission: { kind: 'none' } };

/** The price a market order fills at when the bid is `bid`. */
export function marketFillPrice(spec: InstrumentSpec, costs: CostModel, side: Side, bid: number): number {
  const spread = pipsToPrice(spec, costs.spreadPips);
  const slip = pipsToPrice(spec, costs.slippagePips);
  return side === 1 ? bid + spread + slip : bid - slip;
}

/** The ask when the bid is `bid`. */
export function askOf(spec: InstrumentSpec, costs: CostModel, bid: number): number {
  return bid + pipsToPrice(spec, costs.spreadPips);
}

/** Commission for one fill, in account money (not yet rounded to cents). */
export function commissionFor(spec: InstrumentSpec, costs: CostModel, units: number, price: number): number {
  const c = costs.commission;
  if (c.kind === 'per-lot') return (c.perLot * units) / spec.lotUnits;
  if (c.kind === 'notional') return c.fraction * units * price;
  return 0;
}
