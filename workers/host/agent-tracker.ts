import type { EngineEvent, EngineEventInput } from '../trading/events.ts';
import type { AgentRunState } from '../store/store.ts';

export interface AgentTally {
  state: AgentRunState;
  reason: string;
  realizedPnlCents: number;
  trades: number;
}

/**
 * Per-agent figures folded from the events as they pass, so a status never
 * has to re-read the store: state and its reason from agent.status, realised
 * P&L and trade count from position.closed.
 */
export class AgentTracker {
  private readonly tallies = new Map<string, AgentTally>();

  observe(e: EngineEvent | EngineEventInput): void {
    if (e.type === 'agent.status') {
      const t = this.of(e.agentId);
      t.state = e.payload.status === 'error' ? 'paused' : e.payload.status;
      t.reason = e.payload.reason;
    } else if (e.type === 'position.closed') {
      const t = this.of(e.agentId);
      t.realizedPnlCents += e.payload.netPnlCents;
      t.trades++;
    }
  }

  of(agentId: string): AgentTally {
    let t = this.tallies.get(agentId);
    if (!t) this.tallies.set(agentId, (t = { state: 'running', reason: '', realizedPnlCents: 0, trades: 0 }));
    return t;
  }

  forget(agentId: string): void {
    this.tallies.delete(agentId);
  }
}
