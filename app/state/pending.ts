import type { HostStatus } from '../../workers/host/api.ts';

/** An order sent (or queued) with no outcome yet, as a host may list it in its status. */
export interface PendingShown {
  clientOrderId: string;
  agentId: string;
  symbol: string;
  purpose: 'open' | 'close';
}

/**
 * The entries in flight (what a stop cancels), from the host's status when it
 * lists them; null when it does not (then the UI says "any pending orders"
 * rather than a number it cannot know).
 */
export function pendingEntries(status: HostStatus | null | undefined, agentId?: string): PendingShown[] | null {
  const list = (status as { pendingOrders?: PendingShown[] } | null | undefined)?.pendingOrders;
  if (!Array.isArray(list)) return null;
  return list.filter((o) => o.purpose === 'open' && (agentId === undefined || o.agentId === agentId));
}

/** '2 pending orders (EURUSD, GBPUSD) will be cancelled' and its variants. */
export function cancelText(pending: PendingShown[] | null): string {
  if (pending === null) return 'any pending orders will be cancelled';
  if (pending.length === 0) return 'no pending order to cancel';
  return `${pending.length} pending order(s) will be cancelled (${pending.map((o) => o.symbol).join(', ')})`;
}
