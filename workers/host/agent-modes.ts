import type { AgentMode } from '../engine/agent-config.ts';

/**
 * Each agent's mode as the host routes its orders: set by the agent.mode
 * command, else its config's, else the workspace's default (a replay
 * workspace's agents are paper, a live workspace's live: records from before
 * modes run as they ran). The manual book is no agent: it trades the account.
 */
export class AgentModes {
  private readonly changed = new Map<string, AgentMode>();

  constructor(
    private readonly fallback: () => AgentMode,
    private readonly configured: (agentId: string) => AgentMode | undefined,
  ) {}

  of(agentId: string): AgentMode {
    return this.changed.get(agentId) ?? this.configured(agentId) ?? this.fallback();
  }

  set(agentId: string, mode: AgentMode): void {
    this.changed.set(agentId, mode);
  }

  forget(agentId: string): void {
    this.changed.delete(agentId);
  }
}

/** What an agent trades in when its config names no mode. */
export function defaultMode(workspace: 'replay' | 'live'): AgentMode {
  return workspace === 'live' ? 'live' : 'paper';
}
