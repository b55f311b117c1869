import type { BarSeries } from '../market/bar.ts';
import { nextBarOpenTime, TIMEFRAME_MS, type Timeframe } from '../market/timeframe.ts';
import { computeMetrics } from '../backtest/metrics.ts';
import type { TradeRecord } from '../store/projections.ts';
import type { ReadinessGates } from './gates.ts';
import type { PaperRecord } from './paper-record.ts';

/** One gate as the checklist shows it: its number, the threshold, green or red. */
export interface GateResult {
  key: 'trades' | 'win-rate' | 'profit-factor' | 'max-drawdown' | 'sharpe' | 'errors' | 'emergency-stop' | 'breaker-trip';
  label: string;
  /** The agent's number (NaN: none yet, e.g. a win rate with no trade). */
  value: number;
  /** 'at least' or 'at most' the threshold. */
  bound: 'min' | 'max';
  threshold: number;
  green: boolean;
  /** '212 paper trades, at least 300 needed'. */
  text: string;
}

export interface Readiness {
  agentId: string;
  gates: GateResult[];
  /** Every gate green. */
  ready: boolean;
  /** The paper equity the numbers are measured on: samples at each bar close of the agent's paper stretches. */
  equity: { time: Float64Array; equity: Float64Array; initialEquity: number };
  /** The critical events inside the error window, newest last. */
  recentErrors: PaperRecord['critical'];
}

export interface ReadinessInput {
  agentId: string;
  timeframe: Timeframe;
  /** Decides once a day (a daily schedule): the daily trade count applies. */
  daily: boolean;
  record: PaperRecord;
  /** The agent's symbols' stored bars on its timeframe: the paper equity is marked at their closes. */
  bars: readonly BarSeries[];
  /** What its paper equity starts from: its capital, else the account's starting cash (a live account: its equity now). */
  initialEquity: number;
  /** Engine time the checklist is judged at. */
  now: number;
  gates: ReadinessGates;
}

const DAY_MS = 86_400_000;

/**
 * The checklist (issue 15 item 4). Win rate, profit factor, drawdown and
 * Sharpe are the backtest's own (backtest/metrics.ts computeMetrics) over the
 * agent's paper equity: the starting equity plus its closed paper trades' net
 * P&L plus its open paper positions marked at each bar's close, sampled at
 * every close of its timeframe inside its paper stretches, so Sharpe is
 * annualised for that timeframe as a backtest's is.
 */
export function readinessOf(x: ReadinessInput): Readiness {
  const { record: r, gates: g } = x;
  const equity = paperEquity(x.record.trades, x.bars, x.timeframe, r.periods, x.now, x.initialEquity);
  const m = computeMetrics({ time: equity.time, equity: equity.equity, initialEquity: x.initialEquity, trades: r.trades, barsInMarket: equity.inMarket, timeframe: x.timeframe });
  const daily = x.daily || TIMEFRAME_MS[x.timeframe] >= DAY_MS;
  const minTrades = daily ? g.minTradesDaily : g.minTrades;
  const n = r.trades.length;
  const since = x.now - g.errorFreeDays * DAY_MS;
  const recent = r.critical.filter((c) => c.time > since && c.time <= x.now);
  const gates: GateResult[] = [
    gate('trades', 'Paper trades', n, 'min', minTrades, n >= minTrades, `${n} paper trade${n === 1 ? '' : 's'}, at least ${minTrades} needed${daily ? ' (daily agent)' : ''}`),
    gate('win-rate', 'Win rate', m.winRatePct, 'min', g.minWinRatePct, m.winRatePct >= g.minWinRatePct, `win rate ${num(m.winRatePct, 1, '%')}, at least ${g.minWinRatePct}% needed`),
    gate('profit-factor', 'Profit factor', m.profitFactor, 'min', g.minProfitFactor, m.profitFactor >= g.minProfitFactor, `profit factor ${num(m.profitFactor, 2)}, at least ${g.minProfitFactor} needed`),
    // No paper trade is no evidence: a flat line's 0% drawdown is not a pass.
    gate('max-drawdown', 'Max drawdown', n ? m.maxDrawdownPct : NaN, 'max', g.maxDrawdownPct, n > 0 && m.maxDrawdownPct <= g.maxDrawdownPct, `max drawdown ${num(n ? m.maxDrawdownPct : NaN, 2, '%')}, at most ${g.maxDrawdownPct}% allowed`),
    gate('sharpe', 'Sharpe', m.sharpe, 'min', g.minSharpe, m.sharpe >= g.minSharpe, `Sharpe ${num(m.sharpe, 2)}, at least ${g.minSharpe} needed`),
    gate('errors', 'Critical errors', recent.length, 'max', 0, recent.length === 0, recent.length ? `${recent.length} critical error${recent.length === 1 ? '' : 's'} in the last ${g.errorFreeDays} days (latest: ${recent.at(-1)!.text})` : `no critical error in the last ${g.errorFreeDays} days`),
  ];
  if (g.requireEmergencyStop) {
    const k = r.emergencyStops.length;
    gates.push(gate('emergency-stop', 'Emergency stop rehearsed', k, 'min', 1, k >= 1, k ? `emergency stop rehearsed on paper ${k} time${k === 1 ? '' : 's'}` : 'no emergency stop rehearsed on paper'));
  }
  if (g.requireBreakerTrip) {
    const k = r.breakerTrips.length;
    gates.push(gate('breaker-trip', 'Circuit breaker tripped', k, 'min', 1, k >= 1, k ? `circuit breaker tripped on paper ${k} time${k === 1 ? '' : 's'} (${[...new Set(r.breakerTrips.map((t) => t.code))].join(', ')})` : 'no circuit-breaker trip on paper'));
  }
  return { agentId: x.agentId, gates, ready: gates.every((q) => q.green), equity: { time: equity.time, equity: equity.equity, initialEquity: x.initialEquity }, recentErrors: recent };
}

function gate(key: GateResult['key'], label: string, value: number, bound: 'min' | 'max', threshold: number, green: boolean, text: string): GateResult {
  return { key, label, value, bound, threshold, green, text };
}

function num(v: number, digits: number, unit = ''): string {
  if (Number.isNaN(v)) return 'none';
  if (v === Infinity) return 'infinite (no losing trade)';
  return `${v.toFixed(digits)}${unit}`;
}

/** The red gates, each with its number: what a refusal says. */
export function redGatesText(r: Readiness): string {
  return r.gates.filter((q) => !q.green).map((q) => q.text).join('; ');
}

/**
 * The paper equity at each close of the agent's bars inside its paper
 * stretches (up to `now`): closed trades count once their exit's bar has
 * closed (exitTime is that bar's open), open ones are marked at the close of
 * each bar from the one they filled in (entryTime) on.
 */
export function paperEquity(trades: readonly TradeRecord[], bars: readonly BarSeries[], tf: Timeframe, periods: readonly { from: number; to: number }[], now: number, start: number): { time: Float64Array; equity: Float64Array; inMarket: number } {
  const inPaper = (close: number) => close <= now && periods.some((p) => close > p.from && close <= p.to);
  const times = [...new Set(bars.flatMap((s) => Array.from(s.time).filter((t) => inPaper(nextBarOpenTime(t, tf)))))].sort((a, b) => a - b);
  const cursor = bars.map(() => -1);
  const last = new Map<string, number>();
  const time = new Float64Array(times.length);
  const equity = new Float64Array(times.length);
  let inMarket = 0;
  times.forEach((t, i) => {
    bars.forEach((s, k) => {
      while (cursor[k] + 1 < s.time.length && s.time[cursor[k] + 1] <= t) cursor[k]++;
      if (cursor[k] >= 0) last.set(s.symbol, s.close[cursor[k]]);
    });
    let e = start;
    let open = false;
    for (const x of trades) {
      if (x.exitTime <= t) e += x.netPnl;
      else if (x.entryTime <= t) {
        open = true;
        e += x.side * ((last.get(x.symbol) ?? x.entryPrice) - x.entryPrice) * x.volumeUnits;
      }
    }
    if (open) inMarket++;
    time[i] = nextBarOpenTime(t, tf);
    equity[i] = e;
  });
  return { time, equity, inMarket };
}
