import { toCents } from '../../market/instrument.ts';
import type { AccountState, Position } from '../../trading/orders.ts';
import type { AccountValue } from './orders.ts';

/**
 * The account as IB's account summary says it, kept between refreshes (after
 * each ready and each fill): cash is the balance, net liquidation the equity,
 * initial margin the margin in use. Between refreshes the equity follows the
 * held positions' marks (the last bar close), from the marks at the refresh.
 */
export class IbkrAccountBook {
  currency = '';
  private values = new Map<string, number>();
  private marksAtRefresh = new Map<string, number>();
  private peakEquity = 0;
  refreshedAt: number | null = null;

  /** The summary rows of one account (others are ignored), with the marks of the held positions at that time. */
  update(rows: readonly AccountValue[], account: string, marks: Map<string, number>, now: number): void {
    const mine = rows.filter((r) => r.account === account);
    if (mine.length === 0) return;
    this.values = new Map();
    for (const r of mine) {
      if (r.tag === 'Currency') this.currency = r.value;
      else if (Number.isFinite(Number(r.value)) && r.value !== '') this.values.set(r.tag, Number(r.value));
      if (r.currency && r.tag !== 'Currency' && !this.currency) this.currency = r.currency;
    }
    this.marksAtRefresh = marks;
    this.refreshedAt = now;
  }

  state(held: readonly Position[], mark: (symbol: string) => number | undefined): AccountState {
    const v = (tag: string) => this.values.get(tag) ?? 0;
    let moved = 0;
    for (const p of held) {
      const then = this.marksAtRefresh.get(p.symbol);
      const now = mark(p.symbol);
      if (then !== undefined && now !== undefined) moved += p.side * (now - then) * p.volumeUnits;
    }
    const equity = (this.values.has('NetLiquidation') ? v('NetLiquidation') : v('TotalCashValue')) + moved;
    if (equity > this.peakEquity) this.peakEquity = equity;
    const available = v('AvailableFunds');
    return {
      balanceCents: toCents(v('TotalCashValue')),
      equity,
      usedMargin: v('InitMarginReq'),
      freeMargin: this.values.has('AvailableFunds') ? available + moved : equity - v('InitMarginReq'),
      peakEquity: this.peakEquity,
      drawdown: this.peakEquity > 0 ? Math.max(0, (this.peakEquity - equity) / this.peakEquity) : 0,
      // IB's buying power over the funds behind it: 4 for a day-trading margin account, 1 for cash.
      leverage: available > 0 && v('BuyingPower') > 0 ? v('BuyingPower') / available : 1,
    };
  }
}
