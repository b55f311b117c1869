import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { NO_COSTS } from '../../workers/market/costs.ts';
import type { BarSeries } from '../../workers/market/bar.ts';
import { bundled } from '../helpers/bundled.ts';

/**
 * An independent, deliberately naive sma-cross backtest (direct window sums,
 * no engine, no broker): the engine must produce the same trades to the cent.
 * Rules shared with backtesting.py's SmaCross: strict crossover, orders at the
 * next bar's open, reversal on the opposite cross.
 */
function naiveSmaCross(s: BarSeries, fast: number, slow: number, units: number, longOnly: boolean) {
  const c = s.close;
  const sma = (n: number, i: number) => {
    if (i < n - 1) return NaN;
    let sum = 0;
    for (let k = i - n + 1; k <= i; k++) sum += c[k];
    return sum / n;
  };
  let pos = 0;
  let entry = 0;
  let entryTime = 0;
  let pending: number | null = null;
  let cash = 0;
  const trades: { side: number; entryTime: number; entryPrice: number; exitTime: number; exitPrice: number; pnl: number }[] = [];
  for (let i = 0; i < c.length; i++) {
    if (pending !== null) {
      const px = s.open[i];
      if (pos !== 0 && pending !== pos) {
        const pnl = Math.round(pos * (px - entry) * units * 100) / 100;
        cash += pnl;
        trades.push({ side: pos, entryTime, entryPrice: entry, exitTime: s.time[i], exitPrice: px, pnl });
        pos = 0;
      }
      if (pending !== 0 && pos === 0) {
        pos = pending;
        entry = px;
        entryTime = s.time[i];
      }
      pending = null;
    }
    if (i < 1) continue;
    const f0 = sma(fast, i - 1), s0 = sma(slow, i - 1), f1 = sma(fast, i), s1 = sma(slow, i);
    if (f0 < s0 && f1 > s1 && pos !== 1) pending = 1;
    else if (f0 > s0 && f1 < s1 && pos !== (longOnly ? 0 : -1)) pending = longOnly ? 0 : -1;
  }
  const last = c[c.length - 1];
  return { trades, finalEquity: cash + (pos !== 0 ? pos * (last - entry) * units : 0), openSide: pos };
}

describe('sma-cross through the engine equals a naive reference', () => {
  for (const [symbol, fast, slow, units, longOnly] of [
    ['GOOG', 10, 20, 10, false],
    ['GOOG', 5, 30, 7, true],
    ['EURUSD', 10, 20, 10_000, false],
  ] as const) {
    it(`${symbol} ${fast}/${slow} ${longOnly ? 'long-only' : 'long-short'}`, async () => {
      const series = bundled(symbol);
      const ref = naiveSmaCross(series, fast, slow, units, longOnly);
      const cash = 1_000_000;
      const r = await runBacktest({
        series: [series],
        agent: { id: 't', name: 't', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast, slow, longOnly } }, sizing: { kind: 'fixed', units }, maxPositionPct: 1e6, stopAtr: null, targetAtr: null, trailAtr: null, atrPeriod: 14 },
        initialCash: cash,
        leverage: 1,
        costs: NO_COSTS,
      });
      expect(ref.trades.length).toBeGreaterThan(20);
      expect(r.trades.map((t) => ({ side: t.side, entryTime: t.entryTime, entryPrice: t.entryPrice, exitTime: t.exitTime, exitPrice: t.exitPrice, pnl: t.netPnl }))).toEqual(ref.trades);
      expect(r.metrics.finalEquity).toBeCloseTo(cash + ref.finalEquity, 6);
      expect(r.openPositions.length).toBe(ref.openSide === 0 ? 0 : 1);
      expect(r.trades.every((t) => t.reason === 'signal')).toBe(true);
    });
  }
});
