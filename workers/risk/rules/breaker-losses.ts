import type { RiskRule } from '../rule.ts';
import { alreadyAt, moneyText, resumeAtFor } from './breaker-common.ts';

/**
 * Circuit breaker: losing trades in a row, per agent. When an agent's latest
 * `maxConsecutiveLosses` closed trades all lost, it halts or sets reducing as
 * configured (reducing by default); resumes at the next day boundary when
 * `resume` is 'next-day'. A trade that does not lose ends the streak.
 */
export const lossStreakRule: RiskRule = {
  name: 'breaker-losses',
  armed: (l) => l.maxConsecutiveLosses !== null,
  afterTrade(trade, view, act) {
    const limits = view.limits(trade.agentId);
    const max = limits.maxConsecutiveLosses;
    if (max === null || trade.netPnlCents >= 0 || alreadyAt(view, trade.agentId, limits.lossesAction)) return;
    const trades = view.trades(trade.agentId);
    let n = 0;
    let lostCents = 0;
    for (let i = trades.length - 1; i >= 0 && trades[i].netPnlCents < 0; i--) {
      n++;
      lostCents -= trades[i].netPnlCents;
    }
    if (n >= max) act.setState(trade.agentId, limits.lossesAction, 'loss-streak', `${n} losing trades in a row (${moneyText(lostCents / 100)} lost) reached the limit of ${max}`, resumeAtFor(limits, view));
  },
};
