import type { CloseReason, Position } from '../../trading/orders.ts';
import * as W from './wire-types.ts';

/** What cTrader's execution events mean for the engine: money scaling and why a position closed. */

/** Money on the wire is an integer scaled by 10^moneyDigits (2 when absent); the engine books whole cents. */
export function money(value: number, moneyDigits: number | undefined): number {
  const d = moneyDigits ?? 2;
  return d >= 2 ? Math.round(value / 10 ** (d - 2)) : value * 10 ** (2 - d);
}

export function closeReason(ev: W.ExecutionEvent, p: Pick<Position, 'stopLoss' | 'takeProfit'>, exitPrice: number): CloseReason {
  const o = ev.order;
  if (o?.isStopOut) return 'stop';
  if (o?.orderType === W.ORDER_TYPE.STOP_LOSS_TAKE_PROFIT) {
    if (o.stopPrice !== undefined && o.limitPrice === undefined) return 'stop';
    if (o.limitPrice !== undefined && o.stopPrice === undefined) return 'target';
    return closeReasonByPrice(p, exitPrice);
  }
  return 'manual';
}

/** A stop/target close without the order that triggered it: the nearer level is the one that filled. */
export function closeReasonByPrice(p: Pick<Position, 'stopLoss' | 'takeProfit'>, exitPrice: number): CloseReason {
  const ds = p.stopLoss === null ? Infinity : Math.abs(exitPrice - p.stopLoss);
  const dt = p.takeProfit === null ? Infinity : Math.abs(exitPrice - p.takeProfit);
  if (ds === Infinity && dt === Infinity) return 'manual';
  return ds <= dt ? 'stop' : 'target';
}
