import type { ClosedTrade, RiskRule } from '../rule.ts';
import { barsMs, closedAfter, countClosedAfter } from './protection-window.ts';

/**
 * Stop-loss guard (Freqtrade's StoplossGuard): `stops` losing stop-outs within
 * `lookbackBars` lock the symbol (every agent's stop-outs on it count, as the
 * lock holds every agent off it) or the agent (its stop-outs on any symbol)
 * for `lockBars`, counted from the stop-out that tripped it. As in Freqtrade,
 * only stop exits that lost money count: a trailed stop closing in profit is a
 * win, not a warning.
 */
export const stopLossGuardRule: RiskRule = {
  name: 'stoploss-guard',
  armed: (l) => l.stopLossGuard !== null,
  afterTrade(t, v, act) {
    const g = v.limits(t.agentId).stopLossGuard;
    if (!g || t.reason !== 'stop' || t.netPnlCents >= 0) return;
    const now = v.now();
    const bySymbol = g.scope === 'symbol';
    const since = now - barsMs(v, t.agentId, g.lookbackBars);
    const counted = (x: ClosedTrade) => x.reason === 'stop' && x.netPnlCents < 0 && (!bySymbol || x.symbol === t.symbol);
    const history = v.trades(bySymbol ? null : t.agentId);
    if (countClosedAfter(history, since, counted) < g.stops) return;
    const stops = closedAfter(history, since, counted);
    const what = bySymbol ? t.symbol : `agent ${t.agentId}`;
    const where = bySymbol ? `on ${t.symbol}` : `by agent ${t.agentId}`;
    const tf = v.timeframeOf(t.agentId);
    const reason = `${stops.length} losing stop-outs ${where} within ${g.lookbackBars} ${tf} bars (limit ${g.stops}): ${what} locked for ${g.lockBars} bars`;
    act.lock(g.scope, bySymbol ? t.symbol : t.agentId, 'stoploss-guard', reason, now + barsMs(v, t.agentId, g.lockBars));
  },
};
