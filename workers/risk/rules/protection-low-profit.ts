import type { ClosedTrade, RiskRule } from '../rule.ts';
import { barsMs, closedAfter, countClosedAfter, money } from './protection-window.ts';

/**
 * Low-profit symbol lock (Freqtrade's LowProfitPairs): once at least `trades`
 * trades on a symbol (every agent's: the lock holds every agent off it) closed
 * within `lookbackBars`, and together they made less than `minProfitPct` of
 * the account's equity, the symbol is locked for `lockBars`. As in Freqtrade,
 * every trade in the window counts, not only the last `trades` of them.
 */
export const lowProfitRule: RiskRule = {
  name: 'low-profit',
  armed: (l) => l.lowProfit !== null,
  afterTrade(t, v, act) {
    const lp = v.limits(t.agentId).lowProfit;
    if (!lp) return;
    const now = v.now();
    const since = now - barsMs(v, t.agentId, lp.lookbackBars);
    const onSymbol = (x: ClosedTrade) => x.symbol === t.symbol;
    if (countClosedAfter(v.trades(null), since, onSymbol) < lp.trades) return;
    const recent = closedAfter(v.trades(null), since, onSymbol);
    let cents = 0;
    for (const x of recent) cents += x.netPnlCents;
    const equity = v.account().equity;
    const pct = (cents / 100 / equity) * 100;
    if (pct >= lp.minProfitPct) return;
    const tf = v.timeframeOf(t.agentId);
    const reason = `${recent.length} trades on ${t.symbol} within ${lp.lookbackBars} ${tf} bars made ${money(cents)} (${pct.toFixed(2)}% of equity ${equity.toFixed(2)}), below the required ${lp.minProfitPct}%: ${t.symbol} locked for ${lp.lockBars} bars`;
    act.lock('symbol', t.symbol, 'low-profit', reason, now + barsMs(v, t.agentId, lp.lockBars));
  },
};
