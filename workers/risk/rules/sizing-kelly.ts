import { ALLOW, type ClosedTrade, type RiskRule } from '../rule.ts';

/** An agent's realised record as Kelly reads it. */
export interface KellyStats {
  trades: number;
  /** Shares of trades that won and that lost (a trade that made exactly nothing is neither). */
  winRate: number;
  lossRate: number;
  /** Average win over average loss, net of costs; 0 with no win, Infinity with no loss. */
  payoff: number;
  /** Full Kelly: the fraction of equity to risk per trade, p - q / b. */
  kelly: number;
}

export function kellyStats(trades: readonly ClosedTrade[]): KellyStats {
  const c = tally(trades);
  const { wins, losses, won, lost } = c;
  const n = trades.length;
  const p = wins / n, q = losses / n;
  const payoff = wins === 0 ? 0 : losses === 0 ? Infinity : won / wins / (lost / losses);
  // No win: no payoff to weigh the losses against, so no edge (-q keeps the number finite for the record).
  const kelly = wins === 0 ? -q : losses === 0 ? p : p - q / payoff;
  return { trades: n, winRate: p, lossRate: q, payoff, kelly };
}

interface Tally {
  /** Trades counted so far, and the last of them: a history that has only grown since goes on from here. */
  counted: number;
  last: ClosedTrade | undefined;
  wins: number;
  losses: number;
  won: number;
  lost: number;
}

/**
 * Wins, losses and their sums over a trade history, kept per history (the engine's per-agent lists,
 * which only grow): each entry adds the trades closed since the last one instead of going through
 * all of them again (a long backtest asks at every entry). The same sums in the same order as one
 * pass, so the same numbers; a history that did not just grow is counted from its start.
 */
function tally(trades: readonly ClosedTrade[]): Tally {
  let c = tallies.get(trades);
  if (!c || c.counted > trades.length || trades[c.counted - 1] !== c.last) {
    c = { counted: 0, last: undefined, wins: 0, losses: 0, won: 0, lost: 0 };
    tallies.set(trades, c);
  }
  for (let i = c.counted; i < trades.length; i++) {
    const t = trades[i];
    if (t.netPnlCents > 0) (c.wins++, (c.won += t.netPnlCents));
    else if (t.netPnlCents < 0) (c.losses++, (c.lost -= t.netPnlCents));
  }
  c.counted = trades.length;
  c.last = trades[trades.length - 1];
  return c;
}

const tallies = new WeakMap<readonly ClosedTrade[], Tally>();

/**
 * Fractional Kelly sizing (opt-in, RiskLimits.kelly). Once the agent has
 * `minTrades` closed trades, its realised win rate p, loss rate q and payoff b
 * (average win / average loss, net of costs, over all its trades) give full
 * Kelly f* = p - q / b: the share of equity a trade should put at risk.
 * The rule targets `fraction` x f* of equity at risk, and compares it with
 * what the base size risks (ProposedEntry.riskPct: stop distance x base units
 * as % of the equity the agent sizes on, which for risk-% sizing is its own
 * risk % up to rounding and the maximum-position cap):
 *   multiplier = fraction x f* x 100 / riskPct.
 * The multiplier applies to the size this rule receives (so a streak cut
 * stays), and the result is at most maxScale x the base size.
 * f* <= 0 (no edge in the record) refuses the entry ('kelly-no-edge'); an
 * entry without a stop has no measurable risk, so Kelly cannot size it and
 * refuses it ('kelly-no-stop') once Kelly applies: give such an agent a stop, or turn Kelly off.
 */
export const kellyRule: RiskRule = {
  name: 'kelly',
  armed: (l) => l.kelly !== null,
  check(e, v) {
    const k = v.limits(e.agentId).kelly;
    if (!k) return ALLOW;
    const trades = v.trades(e.agentId);
    if (trades.length < k.minTrades) return ALLOW;
    const s = kellyStats(trades);
    const record = `${pct(s.winRate)}% of ${s.trades} trades won, payoff ${s.payoff === Infinity ? 'unbounded (no loss)' : round(s.payoff)}`;
    const numbers = { trades: s.trades, winRate: s.winRate, lossRate: s.lossRate, ...(Number.isFinite(s.payoff) ? { payoff: s.payoff } : {}), kelly: s.kelly, fraction: k.fraction };
    if (!(s.kelly > 0)) return { kind: 'refuse', code: 'kelly-no-edge', reason: `no edge: ${record}, Kelly ${pct(s.kelly)}% of equity`, numbers };
    if (e.riskPct == null || !(e.riskPct > 0)) return { kind: 'refuse', code: 'kelly-no-stop', reason: `Kelly sizing needs the entry's risk between entry and stop, and this entry has no stop (${record})`, numbers };
    const targetPct = k.fraction * s.kelly * 100;
    const wanted = (e.volumeUnits * targetPct) / e.riskPct;
    const to = Math.min(wanted, k.maxScale * e.baseUnits);
    const multiplier = to / e.volumeUnits;
    const capped = to < wanted ? ` (capped at x${k.maxScale} of the base size)` : '';
    return {
      kind: 'resize',
      volumeUnits: to,
      code: 'kelly',
      reason: `x${round(multiplier)}: ${k.fraction} Kelly of ${pct(s.kelly)}% is ${round(targetPct)}% of equity at risk against the base size's ${round(e.riskPct)}% (${record})${capped}`,
      numbers: { ...numbers, targetRiskPct: targetPct, baseRiskPct: e.riskPct, multiplier, maxScale: k.maxScale },
    };
  },
};

const round = (x: number) => +x.toFixed(4);
const pct = (x: number) => +(x * 100).toFixed(2);
