import { ALLOW, type RiskRule } from '../rule.ts';

/** The circuit breaker's position counts: an entry beyond the account's or the agent's maximum of open positions is refused. */
export const maxOpenRule: RiskRule = {
  name: 'max-open',
  check(e, v) {
    const lim = v.limits(e.agentId);
    if (lim.maxOpenPositions === null && lim.maxOpenPerAgent === null) return ALLOW;
    const open = v.positions();
    if (lim.maxOpenPositions !== null && open.length >= lim.maxOpenPositions) {
      return { kind: 'refuse', code: 'max-open-positions', reason: `${open.length} positions are open in the account, the maximum is ${lim.maxOpenPositions}`, numbers: { open: open.length, limit: lim.maxOpenPositions } };
    }
    if (lim.maxOpenPerAgent !== null) {
      const mine = open.filter((p) => p.agentId === e.agentId).length;
      if (mine >= lim.maxOpenPerAgent) return { kind: 'refuse', code: 'max-open-per-agent', reason: `agent ${e.agentId} has ${mine} open positions, its maximum is ${lim.maxOpenPerAgent}`, numbers: { open: mine, limit: lim.maxOpenPerAgent } };
    }
    return ALLOW;
  },
};
