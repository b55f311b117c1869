import { entryRisk, legsOf, openRisk, pctOfEquity } from '../exposure.ts';
import { ALLOW, type RiskRule } from '../rule.ts';

const round = (x: number) => +x.toFixed(2);

/**
 * Maximum open risk (RiskLimits.maxOpenRiskPct): the sum over open positions
 * of what each loses if its stop is hit (exposure.ts positionRisk; a position
 * without a stop counts its whole notional), plus the entry's stop distance x
 * volume, as % of equity. An entry that takes it above the limit is refused;
 * one that lowers it (a reversal out of a bigger position) is not.
 */
export const openRiskRule: RiskRule = {
  name: 'open-risk',
  armed: (l) => l.maxOpenRiskPct !== null,
  check(e, v) {
    const limit = v.limits(e.agentId).maxOpenRiskPct;
    if (limit === null) return ALLOW;
    const equity = v.account().equity;
    const before = pctOfEquity(openRisk(legsOf(v)), equity);
    const after = pctOfEquity(openRisk(legsOf(v, e)), equity);
    if (!(after > limit) || after <= before) return ALLOW;
    const entryPct = pctOfEquity(entryRisk(e), equity);
    const what = e.stopDistance === null ? `its whole notional, ${round(entryPct)}% (it has no stop)` : `${round(entryPct)}%`;
    return {
      kind: 'refuse',
      code: 'open-risk',
      reason: `open risk would be ${round(after)}% of equity (${round(before)}% open, the ${e.symbol} entry risks ${what}), above the maximum of ${limit}%`,
      numbers: { openRiskPct: round(before), entryRiskPct: round(entryPct), afterPct: round(after), limitPct: limit },
    };
  },
};
