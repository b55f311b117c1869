import type { CommandContext, CommandDef, CommandRegistry } from './registry.ts';
import { noArguments } from './arg-checks.ts';
import { pct, tallyText, usd } from './format.ts';
import { tally } from './periods.ts';
import { computeMetrics } from '../backtest/metrics.ts';
import { entryRisk } from '../risk/exposure.ts';
import type { DecisionRecord, TradeRecord } from '../store/projections.ts';

/**
 * `/performance` (per agent) and `/strategy-performance` (per alpha source):
 * the closed trades of the store, measured as a backtest measures them
 * (backtest/metrics.ts: win rate, profit factor, drawdown), plus the average
 * R of the trades whose entry decision recorded a stop.
 */

/** One group's numbers, from its closed trades in exit order. */
export interface Performance {
  trades: number;
  netPnl: number;
  wins: number;
  /** Gross profit / gross loss, net of commissions: Infinity with no loss, NaN with no trade. */
  profitFactor: number;
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

export function performanceOf(trades: readonly TradeRecord[], entries: ReadonlyMap<string, DecisionRecord>, startingCash: number): Performance {
  const sorted = [...trades].sort((a, b) => a.exitTime - b.exitTime);
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
  return { trades: t.trades, netPnl: t.netPnl, wins: t.wins, profitFactor: m.profitFactor, avgR: withStop ? sumR / withStop : NaN, withStop, maxDrawdownPct: m.maxDrawdownPct };
}

/** 'P&L over n trade(s), win rate; profit factor 1.50; average R +0.31 (4 of 5 with a recorded stop); max drawdown 1.23 %'. */
export function performanceText(p: Performance): string {
  if (p.trades === 0) return 'no closed trades';
  const pf = Number.isNaN(p.profitFactor) ? 'none' : p.profitFactor === Infinity ? 'no losing trade' : p.profitFactor.toFixed(2);
  const r = p.withStop ? `average R ${p.avgR > 0 ? '+' : ''}${p.avgR.toFixed(2)} (${p.withStop} of ${p.trades} with a recorded stop)` : 'average R: no stop recorded';
  return `${tallyText({ netPnl: p.netPnl, trades: p.trades, wins: p.wins })}; profit factor ${pf}; ${r}; max drawdown ${pct(p.maxDrawdownPct)}`;
}

interface Book {
  trades: TradeRecord[];
  entries: Map<string, DecisionRecord>;
  startingCash: number;
  agents: { id: string; alpha: string }[];
}

async function bookOf(ctx: CommandContext): Promise<Book> {
  const s = await ctx.host.status();
  return {
    trades: await ctx.store.trades.list(),
    entries: entryDecisions(await ctx.store.decisions.list()),
    startingCash: s.account.initialCash,
    agents: s.agents.map((a) => ({ id: a.id, alpha: a.alpha })),
  };
}

const FOOTNOTE = (cash: number) => `closed trades since the start; R = net P&L / the entry's stop distance x units; drawdown of the starting ${usd(cash)} plus the closed P&L, in exit order`;

const performance: CommandDef<void> = {
  name: '/performance',
  category: 'Performance',
  summary: 'per agent: trades, win rate, P&L, profit factor, average R and drawdown of its closed trades',
  usage: '/performance',
  destructive: false,
  parse: noArguments,
  async run(ctx) {
    const b = await bookOf(ctx);
    if (b.trades.length === 0) return ['no closed trades yet'];
    // The host's agents, then any removed agent that still has trades.
    const ids = [...new Set([...b.agents.map((a) => a.id), ...b.trades.map((t) => t.agentId)])];
    return [
      ...ids.map((id) => `${id}${b.agents.some((a) => a.id === id) ? '' : ' (removed)'}: ${performanceText(performanceOf(b.trades.filter((t) => t.agentId === id), b.entries, b.startingCash))}`),
      `all agents: ${performanceText(performanceOf(b.trades, b.entries, b.startingCash))}`,
      FOOTNOTE(b.startingCash),
    ];
  },
};

const strategyPerformance: CommandDef<void> = {
  name: '/strategy-performance',
  category: 'Performance',
  summary: 'the same per alpha source (rule strategy or alpha model), over the agents that use it',
  usage: '/strategy-performance',
  destructive: false,
  parse: noArguments,
  async run(ctx) {
    const b = await bookOf(ctx);
    if (b.trades.length === 0) return ['no closed trades yet'];
    const sourceOf = (id: string) => b.agents.find((a) => a.id === id)?.alpha ?? 'unknown (agent removed)';
    const groups = new Map<string, Set<string>>();
    for (const id of [...b.agents.map((a) => a.id), ...b.trades.map((t) => t.agentId)]) {
      const src = sourceOf(id);
      if (!groups.has(src)) groups.set(src, new Set());
      groups.get(src)!.add(id);
    }
    const lines: string[] = [];
    for (const [src, ids] of groups) {
      const trades = b.trades.filter((t) => ids.has(t.agentId));
      lines.push(`${src.startsWith('rule ') ? src : `model ${src}`} (${[...ids].join(', ')}): ${performanceText(performanceOf(trades, b.entries, b.startingCash))}`);
    }
    lines.push(FOOTNOTE(b.startingCash));
    return lines;
  },
};

export function addPerformance(r: CommandRegistry): CommandRegistry {
  return r.add(performance).add(strategyPerformance);
}
