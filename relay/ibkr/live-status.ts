/**
 * What the live workspace's IBKR connection verified, for GET /api/ibkr: the
 * market's own health (client.ts), read where the workspace registered it.
 * Only the fields Settings shows; each is what TWS said on that connection.
 */
export interface IbkrLiveHealth {
  state: string;
  lastMessageAt: number | null;
  lastError?: string | null;
  serverVersion?: number | null;
  accounts?: readonly string[];
  marketDataType?: number | null;
}

const byHost = new WeakMap<object, () => IbkrLiveHealth>();

/** Called by openLiveWorkspace when the host it opened trades at IB. */
export function registerIbkrHealth(host: object, health: () => IbkrLiveHealth): void {
  byHost.set(host, health);
}

/** The live IBKR health of the relay's host, or null when the host is not trading at IB. */
export function ibkrHealthOf(host: object): (() => IbkrLiveHealth) | null {
  return byHost.get(host) ?? null;
}
