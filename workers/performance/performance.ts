import { computeMetrics } from '../backtest/metrics.ts';
import { entryRisk } from '../risk/exposure.ts';
import type { DecisionRecord, TradeRecord } from '../store/projections.ts';
import { tally } from './periods.ts';

/**
 * How a book of closed trades did, measured as a backtest measures it
 * (backtest/metrics.ts: win rate, profit factor, expectancy, drawdown), plus
 * the average R of the trades whose entry decision recorded a stop. One
 * computation for the trader's commands (/performance, /strategy-performance)
 * and the PWA (Overview, an agent's performance, By strategy).
 */

/** One group's numbers, from its closed trades in exit order. */
export interface Performance {
  trades: number;
  netPnl: number;
  wins: number;
  /** Winners (net P&L above zero) in % of the trades; NaN with no trade. */
  winRatePct: number;
  /** Gross profit / gross loss, net of commissions: Infinity with no loss, NaN with no trade. */
  profitFactor: number;
  /** Mean net P&L per trade, account currency; NaN with no trade. */
  expectancy: number;
  /** Mean of net P&L / initial risk over the trades with a known stop, and how many those are. */
  avgR: number;
  withStop: number;
  /** Deepest fall of the realised equity (starting cash + closed P&L), in %. */
  maxDrawdownPct: number;
}

/** The entry decisions by client order id: a position's id is its entry order's (paper and cTrader brokers alike). */
export function entryDecisions(decisions: readonly DecisionRecord[]): Map<string, DecisionRecord> {
  const out = new Map<string, DecisionRecord>();
  for (const d of decisions) if (d.clientOrderId && (d.action === 'enter' || d.action === 'reverse')) out.set(d.clientOrderId, d);
  return out;
}

/** A trade's initial risk in money (stop distance x units, as the risk layer counts an entry), or null when its stop is not recorded. */
export function initialRisk(t: TradeRecord, entries: ReadonlyMap<string, DecisionRecord>): number | null {
  const d = entries.get(t.id);
  if (!d || d.stopDistance === null || d.stopDistance === undefined || !(d.stopDistance > 0)) return null;
  return entryRisk({ volumeUnits: t.volumeUnits, price: t.entryPrice, stopDistance: d.stopDistance });
}

/** The trades in exit order (ties keep their order): the order the realised equity moves in. */
export function byExit(trades: readonly TradeRecord[]): TradeRecord[] {
  return [...trades].sort((a, b) => a.exitTime - b.exitTime);
}

/** `entries` may be empty (no decisions at hand): the average R is then NaN over 0 trades with a stop. */
export function performanceOf(trades: readonly TradeRecord[], entries: ReadonlyMap<string, DecisionRecord>, startingCash: number): Performance {
  const sorted = byExit(trades);
  const t = tally(sorted, -Infinity, Infinity);
  const time = new Float64Array(sorted.length);
  const equity = new Float64Array(sorted.length);
  let cum = startingCash;
  sorted.forEach((x, i) => {
    cum += x.netPnl;
    time[i] = x.exitTime;
    equity[i] = cum;
  });
  // The timeframe only annualises Sharpe and Sortino, which a curve sampled at exits does not give: not shown.
  const m = computeMetrics({ time, equity, initialEquity: startingCash, trades: sorted, barsInMarket: 0, timeframe: 'H1' });
  let sumR = 0;
  let withStop = 0;
  for (const x of sorted) {
    const risk = initialRisk(x, entries);
    if (risk === null) continue;
    sumR += x.netPnl / risk;
    withStop++;
  }
  return {
    trades: t.trades,
    netPnl: t.netPnl,
    wins: t.wins,
    winRatePct: m.winRatePct,
    profitFactor: m.profitFactor,
    expectancy: m.expectancy,
    avgR: withStop ? sumR / withStop : NaN,
    withStop,
    maxDrawdownPct: m.maxDrawdownPct,
  };
}

/** An agent as the host lists it: `alpha` is 'rule <strategy>' or the alpha model's id (HostStatus.agents). */
export interface AgentAlpha {
  id: string;
  alpha: string;
}

/** The agents trading one alpha source, and the source's name: 'rule sma-cross', 'model demo-alpha', or 'unknown (agent removed)'. */
export interface AlphaSourceGroup {
  source: string;
  agentIds: string[];
}

export const REMOVED_SOURCE = 'unknown (agent removed)';

/**
 * The agents grouped by alpha source: the host's agents in its order, then
 * any agent removed since that still has trades (its source is no longer
 * known). A source's trades are those of its agents.
 */
export function alphaSources(agents: readonly AgentAlpha[], trades: readonly TradeRecord[]): AlphaSourceGroup[] {
  const nameOf = (id: string) => {
    const alpha = agents.find((a) => a.id === id)?.alpha;
    return alpha === undefined ? REMOVED_SOURCE : alpha.startsWith('rule ') ? alpha : `model ${alpha}`;
  };
  const groups = new Map<string, string[]>();
  for (const id of new Set([...agents.map((a) => a.id), ...trades.map((t) => t.agentId)])) {
    const src = nameOf(id);
    const ids = groups.get(src) ?? [];
    ids.push(id);
    groups.set(src, ids);
  }
  return [...groups].map(([source, agentIds]) => ({ source, agentIds }));
}

/** The trades grouped by a key, groups in the order of their first trade. */
function groupBy(trades: readonly TradeRecord[], key: (t: TradeRecord) => string): Map<string, TradeRecord[]> {
  const out = new Map<string, TradeRecord[]>();
  for (const t of trades) {
    const k = key(t);
    const g = out.get(k);
    if (g) g.push(t);
    else out.set(k, [t]);
  }
  return out;
}

/** Per symbol, alphabetically: each symbol's trades measured alone against the same starting cash. */
export function bySymbol(trades: readonly TradeRecord[], entries: ReadonlyMap<string, DecisionRecord>, startingCash: number): { symbol: string; performance: Performance }[] {
  return [...groupBy(trades, (t) => t.symbol)]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([symbol, ts]) => ({ symbol, performance: performanceOf(ts, entries, startingCash) }));
}
