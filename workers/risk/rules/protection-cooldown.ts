import { utcMinute } from '../../util/utc-text.ts';
import { ALLOW, type RiskRule } from '../rule.ts';
import { barsMs } from './protection-window.ts';

/**
 * Cooldown (Freqtrade's CooldownPeriod): after an agent's position in a symbol
 * closes, that agent enters no new position in that symbol for `bars` bars.
 * A pre-trade check reading the agent's own closed trades rather than a symbol
 * lock, because several agents may trade one symbol and one agent's exit
 * should not hold the others off it. So it is no entry in the lock list and
 * nothing to unlock: each refused decision says until when, and a restart
 * restores it with the trade history. A reversal's new entry is judged before
 * its exit has closed, so the cooldown does not stop a reversal.
 */
export const cooldownRule: RiskRule = {
  name: 'cooldown',
  armed: (l) => l.cooldown !== null,
  check(e, v) {
    const c = v.limits(e.agentId).cooldown;
    if (!c) return ALLOW;
    const span = barsMs(v, e.agentId, c.bars);
    const trades = v.trades(e.agentId);
    // Newest first; a trade older than the span ends the search (the history is in time order).
    for (let i = trades.length - 1; i >= 0 && trades[i].time + span > e.time; i--) {
      const t = trades[i];
      if (t.symbol !== e.symbol) continue;
      const until = t.time + span;
      const barsLeft = Math.ceil((until - e.time) / (span / c.bars));
      return {
        kind: 'refuse',
        code: 'cooldown',
        reason: `agent ${e.agentId}'s ${e.symbol} position closed at ${utcMinute(t.time)} UTC: no new ${e.symbol} entry for ${c.bars} bars, until ${utcMinute(until)} UTC (${barsLeft} bar(s) left)`,
        numbers: { closedAt: t.time, until, bars: c.bars, barsLeft },
      };
    }
    return ALLOW;
  },
};
