import type { BarSeries } from '../market/bar.ts';
import { nextBarOpenTime } from '../market/timeframe.ts';
import type { AgentRunner } from '../engine/agent.ts';
import { dailyDecisionTime, formatSchedule } from '../engine/schedule.ts';
import { eventId } from '../trading/events.ts';

export interface HeldAgainQuery {
  /** The restored agents. */
  agents: readonly AgentRunner[];
  /** The stored series the host warms up on. */
  series: readonly BarSeries[];
  /** When each agent was created (host clock): an agent made after a bar closed never held it. */
  createdAt: (agentId: string) => number | undefined;
  /** Whether the record holds this event id (the store). */
  recorded: (eventId: string) => Promise<boolean>;
  now: number;
  /** How late a decision may still be taken: the host's staleness allowance (LiveHostDeps.staleAfterMs). */
  lateBy: number;
  log?: (line: string) => void;
}

/**
 * A live host holds a daily agent's D1 bar until its decision time (engine
 * holdDailyBars). A restart while it holds one must not lose that day
 * (docs/ENGINE.md "Daily schedule"): the last stored bar of each D1 series is
 * held again for each daily agent that existed when it closed and has no
 * decision on it in the record (decision ids are the agent's, the symbol's and
 * the bar's, so a decision taken before the restart is never taken again), when
 * its decision time is ahead or passed less than `lateBy` ago. A decision time
 * that passed longer ago while the host was down is missed, said in the log:
 * an order sent that late would be a different trade from the one tested.
 *
 * Returns, per symbol, the agents its last D1 bar is held for.
 */
export async function barsToHoldAgain(q: HeldAgainQuery): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const s of q.series) {
    if (s.timeframe !== 'D1' || !s.time.length) continue;
    const barTime = s.time[s.time.length - 1];
    const close = nextBarOpenTime(barTime, 'D1');
    // A bar is never decided before it is complete (stored bars ahead of the clock are a test's or an import's).
    if (close > q.now) continue;
    for (const a of q.agents) {
      if (!a.daily || a.status === 'stopped' || a.config.timeframe !== 'D1' || !a.config.symbols.includes(s.symbol)) continue;
      if ((q.createdAt(a.config.id) ?? -Infinity) > close) continue;
      if (await q.recorded(eventId.decision(a.config.id, s.symbol, barTime))) continue;
      const due = dailyDecisionTime(barTime, a.daily);
      if (q.now - due > q.lateBy) {
        q.log?.(`agent ${a.config.id} missed its ${s.symbol} D1 bar of ${new Date(barTime).toISOString().slice(0, 10)}: its decision time (${formatSchedule(a.daily)}, ${new Date(due).toISOString()}) passed while the host was down`);
        continue;
      }
      const set = out.get(s.symbol) ?? new Set<string>();
      set.add(a.config.id);
      out.set(s.symbol, set);
    }
  }
  return out;
}
