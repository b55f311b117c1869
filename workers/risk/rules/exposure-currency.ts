import { currencyNet, fxLegs, legsOf, pctOfEquity } from '../exposure.ts';
import { ALLOW, type RiskRule } from '../rule.ts';

const round = (x: number) => +x.toFixed(2);

/**
 * Maximum net exposure per currency (RiskLimits.maxCurrencyExposurePct), FX
 * pairs only: each pair is a long leg in its base and a short leg in its
 * quote currency (exposure.ts currencyExposure), so a long EURUSD and a short
 * USDJPY pile onto one short-USD bet. An FX entry is refused when either of
 * its currencies would end above the limit (long or short) and further from
 * flat than it is; an entry that brings a currency back toward flat is allowed.
 */
export const currencyExposureRule: RiskRule = {
  name: 'currency-exposure',
  armed: (l) => l.maxCurrencyExposurePct !== null,
  check(e, v) {
    const limit = v.limits(e.agentId).maxCurrencyExposurePct;
    const fx = fxLegs(e.symbol);
    if (limit === null || !fx) return ALLOW;
    const equity = v.account().equity;
    const before = legsOf(v);
    const after = legsOf(v, e);
    for (let i = 0; i < 2; i++) {
      const currency = i === 0 ? fx.base : fx.quote;
      const net = currencyNet(after, currency);
      const was = pctOfEquity(currencyNet(before, currency), equity);
      const will = pctOfEquity(net, equity);
      if (!(Math.abs(will) > limit) || Math.abs(will) <= Math.abs(was)) continue;
      const side = (x: number) => `${x < 0 ? 'short' : 'long'} ${round(Math.abs(x))}%`;
      return {
        kind: 'refuse',
        code: 'currency-exposure',
        reason: `${currency} exposure would be ${side(will)} of equity (${round(net)} in account money; now ${side(was)}) after this ${e.side === 1 ? 'long' : 'short'} ${e.symbol}, above the maximum of ${limit}% per currency`,
        numbers: { exposurePct: round(was), afterPct: round(will), after: round(net), limitPct: limit },
      };
    }
    return ALLOW;
  },
};
