import { QUIET_ANYWHERE, QUIET_NOWHERE, type RiskRule } from '../rule.ts';
import { agentsWithOwn, alreadyAt, edgeOf, moneyText, resumeAtFor } from './breaker-common.ts';

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
  quietBand(view) {
    const account = view.config.limits;
    const max = account.maxDailyLossPct;
    if (max === null || alreadyAt(view, 'account', account.dailyLossAction)) return QUIET_ANYWHERE;
    const start = view.dayStartEquity();
    if (!(start > 0)) return QUIET_ANYWHERE;
    const edge = edgeOf((equity) => trips(start, equity, max), start * (1 - max / 100));
    return edge ? { equityFrom: edge.hi, drawdownTo: Infinity } : QUIET_NOWHERE;
  },
  afterStep(view, act) {
    const account = view.config.limits;
    if (account.maxDailyLossPct !== null && !alreadyAt(view, 'account', account.dailyLossAction)) {
      const start = view.dayStartEquity();
      const equity = view.account().equity;
      if (trips(start, equity, account.maxDailyLossPct)) {
        const lossPct = lossPctOf(start, equity);
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

const lossPctOf = (start: number, equity: number) => ((start - equity) / start) * 100;
/** The account's trip, the one test afterStep and quietBand both use (the band is exact only for the same arithmetic). */
const trips = (start: number, equity: number, max: number) => start > 0 && lossPctOf(start, equity) >= max;
