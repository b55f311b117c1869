import type { RiskRule } from '../rule.ts';
import { barsMs, closedAfter, countClosedAfter, money } from './protection-window.ts';

/**
 * Drawdown lock (Freqtrade's MaxDrawdown, per agent): once at least `trades` of
 * an agent's trades closed within `lookbackBars`, its realised equity over
 * them is followed from the account balance before them (the balance now less
 * their P&L); a fall from that curve's peak of more than `maxDrawdownPct` of
 * the peak locks the agent for `lockBars`. Realised only, as Freqtrade: open
 * losses are the circuit breaker's (maxDrawdownPct on equity).
 */
export const drawdownLockRule: RiskRule = {
  name: 'drawdown-lock',
  armed: (l) => l.drawdownLock !== null,
  afterTrade(t, v, act) {
    const d = v.limits(t.agentId).drawdownLock;
    if (!d) return;
    const now = v.now();
    const since = now - barsMs(v, t.agentId, d.lookbackBars);
    if (countClosedAfter(v.trades(t.agentId), since) < d.trades) return;
    const mine = closedAfter(v.trades(t.agentId), since);
    let windowCents = 0;
    for (const x of mine) windowCents += x.netPnlCents;
    let equityCents = v.account().balanceCents - windowCents;
    let peakCents = equityCents;
    let worst = 0;
    let worstFall = 0;
    let worstPeak = peakCents;
    for (const x of mine) {
      equityCents += x.netPnlCents;
      if (equityCents > peakCents) peakCents = equityCents;
      const fall = (peakCents - equityCents) / peakCents;
      if (fall > worst) [worst, worstFall, worstPeak] = [fall, peakCents - equityCents, peakCents];
    }
    const pct = worst * 100;
    if (!(pct > d.maxDrawdownPct)) return;
    const tf = v.timeframeOf(t.agentId);
    const reason = `agent ${t.agentId}'s ${mine.length} trades within ${d.lookbackBars} ${tf} bars fell ${pct.toFixed(2)}% from their peak (${money(worstFall)} from ${money(worstPeak)}), above the allowed ${d.maxDrawdownPct}%: agent locked for ${d.lockBars} bars`;
    act.lock('agent', t.agentId, 'drawdown-lock', reason, now + barsMs(v, t.agentId, d.lockBars));
  },
};
