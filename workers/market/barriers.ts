import { pipsToPrice, roundPrice, type InstrumentSpec } from './instrument.ts';
import type { Side } from '../trading/orders.ts';
import { marketFillPrice, type CostModel } from './costs.ts';

/** Where a bar took a position out, and why. */
export interface BarrierExit {
  price: number;
  reason: 'stop' | 'target';
}

/**
 * The paper broker's stop and target rule for one bar, as a pure function: the
 * broker applies it to open positions, and the triple-barrier labeler applies
 * it to hypothetical trades, so a label and a backtest can never disagree.
 * - a long exits on the bid, a short on the ask (bid + spread);
 * - both levels inside the bar: the stop (the conservative choice);
 * - a bar that opens beyond a level fills at the open; stops slip, targets do not.
 */
export function barrierExit(
  spec: InstrumentSpec,
  costs: CostModel,
  side: Side,
  stopLoss: number | null,
  takeProfit: number | null,
  open: number,
  high: number,
  low: number,
): BarrierExit | null {
  const lift = side === 1 ? 0 : pipsToPrice(spec, costs.spreadPips);
  const o = open + lift;
  const adverse = (side === 1 ? low : high) + lift;
  const favourable = (side === 1 ? high : low) + lift;
  if (stopLoss !== null && side * (adverse - stopLoss) <= 0) {
    // Gapped through: the stop order becomes a market order at the open.
    const slip = pipsToPrice(spec, costs.slippagePips);
    return { price: roundPrice(spec, (side * (o - stopLoss) <= 0 ? o : stopLoss) - side * slip), reason: 'stop' };
  }
  if (takeProfit !== null && side * (favourable - takeProfit) >= 0) {
    return { price: roundPrice(spec, side * (o - takeProfit) >= 0 ? o : takeProfit), reason: 'target' };
  }
  return null;
}

/** Entry of a market order at a bar's open: the fill price, and stop and target set from their distances. */
export function entryAtOpen(spec: InstrumentSpec, costs: CostModel, side: Side, open: number, stopDistance: number | null, targetDistance: number | null) {
  const price = roundPrice(spec, marketFillPrice(spec, costs, side, open));
  return {
    price,
    stopLoss: stopDistance === null ? null : roundPrice(spec, price - side * stopDistance),
    takeProfit: targetDistance === null ? null : roundPrice(spec, price + side * targetDistance),
  };
}
