import type { RiskRule } from '../rule.ts';
import { agentsWithOwn, alreadyAt, moneyText, resumeAtFor } from './breaker-common.ts';

/**
 * Circuit breaker: the day's loss. The account trips when its equity has
 * fallen `maxDailyLossPct` % below the equity the trading day began with (the
 * day's boundary in RiskConfig.timeZone); an agent whose own override sets a
 * different limit trips on its own P&L since the day began, against its
 * capital at the day's start. Halts or sets reducing as configured; resumes at
 * the next day boundary when `resume` is 'next-day'.
 */
export const dailyLossRule: RiskRule = {
  name: 'breaker-daily-loss',
  armed: (l) => l.maxDailyLossPct !== null,
  // An agent judged on its own day reads its open P&L, which moves with every close of its symbols.
  readsAccountOnly: (view) => agentsWithOwn(view, 'maxDailyLossPct').length === 0,
  afterStep(view, act) {
    const account = view.config.limits;
    if (account.maxDailyLossPct !== null && !alreadyAt(view, 'account', account.dailyLossAction)) {
      const start = view.dayStartEquity();
      const lossPct = ((start - view.account().equity) / start) * 100;
      if (start > 0 && lossPct >= account.maxDailyLossPct) {
        act.setState('account', account.dailyLossAction, 'daily-loss-limit', `day's loss ${lossPct.toFixed(2)}% of starting equity ${moneyText(start)} reached the ${account.maxDailyLossPct}% limit`, resumeAtFor(account, view));
      }
    }
    for (const { agentId, limits, limit } of agentsWithOwn(view, 'maxDailyLossPct')) {
      if (alreadyAt(view, agentId, limits.dailyLossAction)) continue;
      const capital = view.agentDayStartCapital(agentId);
      const lossPct = (-view.agentDayPnl(agentId) / capital) * 100;
      if (capital > 0 && lossPct >= limit) {
        act.setState(agentId, limits.dailyLossAction, 'daily-loss-limit', `agent ${agentId}'s loss today ${lossPct.toFixed(2)}% of its starting capital ${moneyText(capital)} reached its ${limit}% limit`, resumeAtFor(limits, view));
      }
    }
  },
};
