import { ALLOW, type RiskRule } from '../rule.ts';

/** Refuses an entry on a locked symbol or by a locked agent: the protections' locks take effect here. */
export const locksRule: RiskRule = {
  name: 'locks',
  check(e, v) {
    for (const l of v.locks()) {
      if ((l.scope === 'symbol' && l.target === e.symbol) || (l.scope === 'agent' && l.target === e.agentId)) {
        return { kind: 'refuse', code: 'locked', reason: `${l.scope === 'symbol' ? e.symbol : `agent ${e.agentId}`} is locked by ${l.rule} until ${new Date(l.until).toISOString().slice(0, 16).replace('T', ' ')} UTC: ${l.reason}`, numbers: { until: l.until } };
      }
    }
    return ALLOW;
  },
};
