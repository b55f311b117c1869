import { groupMarginOf, groupOf, legsOf, pctOfEquity } from '../exposure.ts';
import { ALLOW, type RiskRule } from '../rule.ts';

const round = (x: number) => +x.toFixed(2);

/**
 * Maximum share of equity per group (RiskLimits.maxGroupPct, 40% by default):
 * the margin the group's positions tie up (entry notional / leverage, as the
 * broker takes it; exposure.ts groupMargin says why margin and not notional)
 * as % of equity, with the entry's. The group is the trader's table
 * (RiskConfig.groups) or the symbol's asset class. An entry that takes its
 * group above the limit is refused; one that lowers it is not.
 */
export const groupExposureRule: RiskRule = {
  name: 'group-exposure',
  armed: (l) => l.maxGroupPct !== null,
  check(e, v) {
    const limit = v.limits(e.agentId).maxGroupPct;
    if (limit === null) return ALLOW;
    const account = v.account();
    const groups = v.config.groups;
    const group = groupOf(e.symbol, groups);
    const was = pctOfEquity(groupMarginOf(legsOf(v), group, account.leverage, groups), account.equity);
    const will = pctOfEquity(groupMarginOf(legsOf(v, e), group, account.leverage, groups), account.equity);
    if (!(will > limit) || will <= was) return ALLOW;
    return {
      kind: 'refuse',
      code: 'group-exposure',
      reason: `group ${group} would tie up ${round(will)}% of equity in margin (${round(was)}% now, the ${e.symbol} entry adds ${round(will - was)}% at 1:${account.leverage}), above the maximum of ${limit}% per group`,
      numbers: { groupPct: round(was), afterPct: round(will), leverage: account.leverage, limitPct: limit },
    };
  },
};
