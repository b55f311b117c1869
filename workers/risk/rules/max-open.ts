import { ALLOW, type RiskRule } from '../rule.ts';

/**
 * The circuit breaker's position counts: an entry beyond the account's or the
 * agent's maximum of open positions is refused. Entries allowed but not yet
 * filled count as open (two agents entering on the same bar cannot both pass
 * the last place). The agent's own position in the symbol does not count: an
 * entry there is a reversal, whose exit goes out first, so it never adds one.
 */
export const maxOpenRule: RiskRule = {
  name: 'max-open',
  armed: (l) => l.maxOpenPositions !== null || l.maxOpenPerAgent !== null,
  check(e, v) {
    const lim = v.limits(e.agentId);
    if (lim.maxOpenPositions === null && lim.maxOpenPerAgent === null) return ALLOW;
    let open = 0;
    let mine = 0;
    // The positions, then the entries in flight (no list of both built per entry).
    for (let k = 0; k < 2; k++) {
      for (const p of k === 0 ? v.positions() : v.entriesInFlight()) {
        if (p.agentId === e.agentId && p.symbol === e.symbol) continue;
        open++;
        if (p.agentId === e.agentId) mine++;
      }
    }
    if (lim.maxOpenPositions !== null && open >= lim.maxOpenPositions) {
      return { kind: 'refuse', code: 'max-open-positions', reason: `${open} positions are open or on their way in the account, the maximum is ${lim.maxOpenPositions}`, numbers: { open, limit: lim.maxOpenPositions } };
    }
    if (lim.maxOpenPerAgent !== null && mine >= lim.maxOpenPerAgent) {
      return { kind: 'refuse', code: 'max-open-per-agent', reason: `agent ${e.agentId} has ${mine} positions open or on their way, its maximum is ${lim.maxOpenPerAgent}`, numbers: { open: mine, limit: lim.maxOpenPerAgent } };
    }
    return ALLOW;
  },
};
