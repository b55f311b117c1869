import { ALLOW, type ClosedTrade, type RiskRule } from '../rule.ts';

/** The run of results the agent's last trades end on: +n wins or -n losses in a row; 0 after a trade that made exactly nothing (it ends both). */
export function currentStreak(trades: readonly ClosedTrade[]): number {
  const last = trades.length ? Math.sign(trades[trades.length - 1].netPnlCents) : 0;
  if (last === 0) return 0;
  let n = 0;
  for (let i = trades.length - 1; i >= 0 && Math.sign(trades[i].netPnlCents) === last; i--) n++;
  return last * n;
}

/**
 * Streak sizing (opt-in, RiskLimits.streakSizing): after `afterLosses` losing
 * trades in a row the size is multiplied by `lossFactor`, after `afterWins`
 * wins in a row by `winFactor`. The factor compounds once per whole run: with
 * the defaults 3 losses give x0.5, 6 give x0.25, 9 give x0.125; 5 wins x1.5,
 * 10 x2.25. The result is always kept within [min, max] x the base size
 * (default 0.5..2), so a long streak ends at the bound rather than at nothing.
 * A trade with a net P&L of exactly zero ends both streaks. Trades are the
 * agent's own (net of costs), all of them, whatever the symbol.
 */
export const streakSizingRule: RiskRule = {
  name: 'streak-sizing',
  armed: (l) => l.streakSizing !== null,
  check(e, v) {
    const s = v.limits(e.agentId).streakSizing;
    if (!s) return ALLOW;
    const streak = currentStreak(v.trades(e.agentId));
    const losing = streak < 0;
    const length = Math.abs(streak);
    const runs = Math.floor(length / (losing ? s.afterLosses : s.afterWins));
    if (runs === 0) return ALLOW;
    const factor = (losing ? s.lossFactor : s.winFactor) ** runs;
    const wanted = e.volumeUnits * factor;
    const bounded = Math.min(Math.max(wanted, s.min * e.baseUnits), s.max * e.baseUnits);
    // The bound never turns a cut into a raise (or a raise into a cut) of a size an earlier rule already set.
    const to = losing ? Math.min(bounded, e.volumeUnits) : Math.max(bounded, e.volumeUnits);
    const multiplier = to / e.baseUnits;
    const bound = bounded !== wanted ? ` (x${round(factor)} kept to the ${losing ? 'minimum' : 'maximum'} x${losing ? s.min : s.max} of the base size)` : '';
    return {
      kind: 'resize',
      volumeUnits: to,
      code: 'streak-sizing',
      reason: `x${round(multiplier)} after ${length} ${losing ? 'losses' : 'wins'} in a row${bound}`,
      numbers: { streak, factor, multiplier, baseUnits: e.baseUnits, min: s.min, max: s.max },
    };
  },
};

function round(x: number): number {
  return +x.toFixed(4);
}
