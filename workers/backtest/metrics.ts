import { BARS_PER_YEAR, type Timeframe } from '../market/timeframe.ts';
import type { TradeRecord } from '../store/projections.ts';

/**
 * Backtest metrics. Definitions (docs/BACKTEST.md):
 * - returns are bar-to-bar equity returns; Sharpe = mean / sample std x sqrt(bars per year),
 *   Sortino = mean / downside deviation (root mean square of the negative returns over ALL bars) x sqrt(bars per year);
 *   risk-free rate 0; bars per year from the timeframe (H1: 252 x 24);
 * - CAGR over calendar time from the first to the last equity sample (365.25-day years);
 * - max drawdown: deepest fall from a running equity peak, in %; its duration runs from that peak
 *   to the recovery of the peak (or the end of the test when it never recovered);
 * - win rate, profit factor (gross profit / gross loss, net of commissions), expectancy
 *   (mean net P&L per trade, money), average trade return (%, before costs);
 * - exposure: share of bars that ended with a position open.
 */
export interface BacktestMetrics {
  bars: number;
  startTime: number;
  endTime: number;
  initialEquity: number;
  finalEquity: number;
  totalReturnPct: number;
  cagrPct: number;
  sharpe: number;
  sortino: number;
  maxDrawdownPct: number;
  maxDrawdownDurationMs: number;
  maxDrawdownDurationBars: number;
  trades: number;
  winRatePct: number;
  profitFactor: number;
  expectancy: number;
  avgTradeReturnPct: number;
  bestTrade: number;
  worstTrade: number;
  exposurePct: number;
  commissions: number;
  /** Entries the risk rules refused, by rule name: what each limit did over the run. */
  refusals: Record<string, number>;
}

export function computeMetrics(args: {
  time: Float64Array;
  equity: Float64Array;
  initialEquity: number;
  trades: readonly TradeRecord[];
  barsInMarket: number;
  timeframe: Timeframe;
}): Omit<BacktestMetrics, 'refusals'> {
  const { time, equity, initialEquity, trades } = args;
  const n = equity.length;
  const finalEquity = n ? equity[n - 1] : initialEquity;

  // Returns and their moments in one pass; the first return is against the starting cash.
  let sum = 0;
  let sumSq = 0;
  let downSq = 0;
  let prev = initialEquity;
  for (let i = 0; i < n; i++) {
    const r = prev !== 0 ? equity[i] / prev - 1 : 0;
    sum += r;
    sumSq += r * r;
    if (r < 0) downSq += r * r;
    prev = equity[i];
  }
  const mean = n ? sum / n : 0;
  const variance = n > 1 ? (sumSq - n * mean * mean) / (n - 1) : 0;
  const annual = Math.sqrt(BARS_PER_YEAR[args.timeframe]);
  const sd = Math.sqrt(Math.max(variance, 0));
  const downside = n ? Math.sqrt(downSq / n) : 0;

  // Drawdown depth and the longest stretch under a peak.
  let peak = initialEquity;
  let peakIdx = -1;
  let maxDd = 0;
  let longestMs = 0;
  let longestBars = 0;
  for (let i = 0; i < n; i++) {
    if (equity[i] >= peak) {
      if (peakIdx < i - 1) {
        longestBars = Math.max(longestBars, i - peakIdx - 1);
        longestMs = Math.max(longestMs, time[i] - (peakIdx >= 0 ? time[peakIdx] : time[0]));
      }
      peak = equity[i];
      peakIdx = i;
    } else {
      const dd = (peak - equity[i]) / peak;
      if (dd > maxDd) maxDd = dd;
    }
  }
  if (n && peakIdx < n - 1) {
    longestBars = Math.max(longestBars, n - 1 - peakIdx);
    longestMs = Math.max(longestMs, time[n - 1] - (peakIdx >= 0 ? time[peakIdx] : time[0]));
  }

  let wins = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let commissions = 0;
  let sumReturn = 0;
  let best = -Infinity;
  let worst = Infinity;
  for (const t of trades) {
    if (t.netPnl > 0) {
      wins++;
      grossProfit += t.netPnl;
    } else grossLoss -= t.netPnl;
    commissions += t.commission;
    sumReturn += t.returnPct;
    if (t.netPnl > best) best = t.netPnl;
    if (t.netPnl < worst) worst = t.netPnl;
  }
  const years = n > 1 ? (time[n - 1] - time[0]) / (365.25 * 86_400_000) : 0;
  const nt = trades.length;
  return {
    bars: n,
    startTime: n ? time[0] : NaN,
    endTime: n ? time[n - 1] : NaN,
    initialEquity,
    finalEquity,
    totalReturnPct: (finalEquity / initialEquity - 1) * 100,
    cagrPct: years > 0 && finalEquity > 0 ? ((finalEquity / initialEquity) ** (1 / years) - 1) * 100 : NaN,
    sharpe: sd > 0 ? (mean / sd) * annual : NaN,
    sortino: downside > 0 ? (mean / downside) * annual : NaN,
    maxDrawdownPct: maxDd * 100,
    maxDrawdownDurationMs: longestMs,
    maxDrawdownDurationBars: longestBars,
    trades: nt,
    winRatePct: nt ? (wins / nt) * 100 : NaN,
    profitFactor: grossLoss > 0 ? grossProfit / grossLoss : grossProfit > 0 ? Infinity : NaN,
    expectancy: nt ? (grossProfit - grossLoss) / nt : NaN,
    avgTradeReturnPct: nt ? sumReturn / nt : NaN,
    bestTrade: nt ? best : NaN,
    worstTrade: nt ? worst : NaN,
    exposurePct: n ? (args.barsInMarket / n) * 100 : 0,
    commissions,
  };
}

/** Drawdown from the running peak after each equity sample, in % (what the equity chart's lower pane draws). */
export function drawdownCurve(equity: Float64Array, initialEquity: number): Float64Array {
  const out = new Float64Array(equity.length);
  let peak = initialEquity;
  for (let i = 0; i < equity.length; i++) {
    if (equity[i] > peak) peak = equity[i];
    out[i] = ((peak - equity[i]) / peak) * 100;
  }
  return out;
}
