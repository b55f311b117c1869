import type { CommandContext, CommandDef, CommandRegistry } from './registry.ts';
import { noArguments } from './arg-checks.ts';
import { pct, tallyText, usd } from './format.ts';
import { alphaSources, entryDecisions, performanceOf, type Performance } from '../performance/performance.ts';
import type { DecisionRecord, TradeRecord } from '../store/projections.ts';

/**
 * `/performance` (per agent) and `/strategy-performance` (per alpha source):
 * the closed trades of the store, measured by performance/performance.ts
 * (the PWA's Overview and agent cards measure with the same code).
 */

// Where the other commands (signals.ts) have always found them.
export { entryDecisions, initialRisk, performanceOf, type Performance } from '../performance/performance.ts';

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
    const lines = alphaSources(b.agents, b.trades).map(({ source, agentIds }) => {
      const ids = new Set(agentIds);
      return `${source} (${agentIds.join(', ')}): ${performanceText(performanceOf(b.trades.filter((t) => ids.has(t.agentId)), b.entries, b.startingCash))}`;
    });
    lines.push(FOOTNOTE(b.startingCash));
    return lines;
  },
};

export function addPerformance(r: CommandRegistry): CommandRegistry {
  return r.add(performance).add(strategyPerformance);
}
