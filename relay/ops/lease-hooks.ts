import type { RelayHost } from '../server/context.ts';
import { LeaseRefused, type LeaseHooks } from '../server/leases.ts';
import type { Logger } from './log.ts';

/**
 * What a lease change means for the relay's own workspace: while a browser
 * holds an agent, the relay pauses it (the host applies the pause at the next
 * step boundary and records it, so the relay's last decision is written before
 * the browser's first); when the lease comes back, the relay resumes it, but
 * only if it was the lease that paused it: an agent the user paused stays
 * paused.
 */
export function hostLeaseHooks(host: RelayHost, log: Logger): LeaseHooks {
  const pausedForLease = new Set<string>();
  return {
    async relayReleases(agentId) {
      const agent = (await host.status()).agents.find((a) => a.id === agentId);
      if (!agent) throw new LeaseRefused(`no agent ${agentId} in the relay's workspace`);
      if (agent.state !== 'running') return;
      const r = await host.command({ kind: 'agent.pause', agentId }, 'lease');
      if (!r.ok) throw new LeaseRefused(`the relay could not hand over ${agentId}: ${r.reason}`);
      pausedForLease.add(agentId);
    },
    async relayTakes(agentId) {
      if (!pausedForLease.delete(agentId)) return;
      const r = await host.command({ kind: 'agent.resume', agentId }, 'lease');
      if (!r.ok) log.warn('lease: the relay could not resume an agent it took back', { agentId, reason: r.reason });
    },
  };
}
