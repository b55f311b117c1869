import { QUIET_ANYWHERE, type RiskRule } from '../rule.ts';
import { agentsWithOwn, alreadyAt, edgeOf, moneyText } from './breaker-common.ts';

/**
 * Circuit breaker: the fall of the account's equity from its peak. Trips the
 * account at `maxDrawdownPct`, and an agent whose override sets a different
 * limit at its own. Halts or sets reducing as configured; never resumes on its
 * own (a new day does not undo a drawdown): resuming is the trader's call.
 */
export const drawdownRule: RiskRule = {
  name: 'breaker-drawdown',
  armed: (l) => l.maxDrawdownPct !== null,
  // An agent's own limit is judged on the account's drawdown too.
  readsAccountOnly: () => true,
  quietBand(view) {
    const account = view.config.limits;
    let drawdownTo = Infinity;
    const calmUpTo = (limit: number) => {
      const edge = edgeOf((drawdown) => !trips(drawdown, limit), limit / 100);
      drawdownTo = Math.min(drawdownTo, edge ? edge.lo : -Infinity);
    };
    if (account.maxDrawdownPct !== null && !alreadyAt(view, 'account', account.drawdownAction)) calmUpTo(account.maxDrawdownPct);
    for (const { agentId, limits, limit } of agentsWithOwn(view, 'maxDrawdownPct')) if (!alreadyAt(view, agentId, limits.drawdownAction)) calmUpTo(limit);
    return drawdownTo === Infinity ? QUIET_ANYWHERE : { equityFrom: -Infinity, drawdownTo };
  },
  afterStep(view, act) {
    const account = view.config.limits;
    const own = agentsWithOwn(view, 'maxDrawdownPct');
    if (account.maxDrawdownPct === null && own.length === 0) return;
    const a = view.account();
    const ddPct = a.drawdown * 100;
    if (account.maxDrawdownPct !== null && trips(a.drawdown, account.maxDrawdownPct) && !alreadyAt(view, 'account', account.drawdownAction)) {
      act.setState('account', account.drawdownAction, 'max-drawdown', `${words(a, ddPct)}: the ${account.maxDrawdownPct}% drawdown limit is reached; resume by hand`, null);
    }
    for (const { agentId, limits, limit } of own) {
      if (trips(a.drawdown, limit) && !alreadyAt(view, agentId, limits.drawdownAction)) {
        act.setState(agentId, limits.drawdownAction, 'max-drawdown', `${words(a, ddPct)}: agent ${agentId}'s ${limit}% drawdown limit is reached; resume by hand`, null);
      }
    }
  },
};

/** A limit's trip, the one test afterStep and quietBand both use (the band is exact only for the same arithmetic). */
const trips = (drawdown: number, limitPct: number) => drawdown * 100 >= limitPct;

function words(a: { equity: number; peakEquity: number }, ddPct: number): string {
  return `equity ${moneyText(a.equity)} is ${ddPct.toFixed(2)}% below its peak ${moneyText(a.peakEquity)}`;
}
