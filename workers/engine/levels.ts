import { formatPrice, type InstrumentSpec } from '../market/instrument.ts';
import { sideWord, type Side } from '../trading/orders.ts';

/**
 * Why a stop or a target at these prices would close the position at once (it
 * lies on the wrong side of the last price), in words with the numbers; null
 * when both are where they can wait. Shared by moving a position's levels and
 * a manual order's, so both refuse the same way.
 */
export function levelProblem(spec: InstrumentSpec, side: Side, price: number, stopLoss: number | null, takeProfit: number | null): string | null {
  const px = (x: number) => formatPrice(spec.symbol, x, spec);
  const who = `a ${sideWord(side)}'s`;
  // A long's stop below the price and target above; a short's the other way round.
  if (stopLoss !== null && !(side * (price - stopLoss) > 0)) {
    return `stop ${px(stopLoss)} is ${stopLoss === price ? 'at' : side === 1 ? 'above' : 'below'} the last ${spec.symbol} price ${px(price)}: ${who} stop must be ${side === 1 ? 'below' : 'above'} it, or it would close at once`;
  }
  if (takeProfit !== null && !(side * (takeProfit - price) > 0)) {
    return `target ${px(takeProfit)} is ${takeProfit === price ? 'at' : side === 1 ? 'below' : 'above'} the last ${spec.symbol} price ${px(price)}: ${who} target must be ${side === 1 ? 'above' : 'below'} it, or it would close at once (to take the profit now: #${spec.symbol} close)`;
  }
  return null;
}
