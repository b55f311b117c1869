import type { IbkrCheckResult } from '../../../relay/ibkr/check.ts';
import type { ContractView } from '../../../relay/ibkr/contract-view.ts';
import type { IbkrStoredSettings, LiveBroker } from '../../../relay/ibkr/settings-store.ts';
import type { IbkrStatusView } from '../../../relay/server/api/ibkr.ts';
import type { RelayClient } from '../../remote/relay-client.ts';

/** What GET /api/ibkr answers (relay/server/api/ibkr.ts). */
export interface IbkrOverview {
  settings: IbkrStoredSettings;
  broker: LiveBroker;
  workspace: 'demo' | 'live';
  /** TG_IBKR_*: what a relay uses before anything is saved. */
  defaults: { host: string; port: number; clientId: number };
  /** The stored host:port is on the relay's tunnel allow-list (the browser's own IB connection goes through it). */
  tunnelAllowed: boolean;
  status: IbkrStatusView;
}

export type { ContractView, IbkrCheckResult, IbkrStoredSettings, LiveBroker };

export const ibkrApi = {
  overview: (r: RelayClient) => r.json<IbkrOverview>('/api/ibkr'),
  save: (r: RelayClient, settings: IbkrStoredSettings, broker: LiveBroker) =>
    r.json<{ settings: IbkrStoredSettings; broker: LiveBroker; restart: boolean; message: string }>('/api/ibkr/settings', { method: 'PUT', body: JSON.stringify({ settings, broker }) }),
  check: (r: RelayClient, at: { host: string; port: number; clientId: number; marketDataType: number }) =>
    r.json<IbkrCheckResult & { ok: true }>('/api/ibkr/check', { method: 'POST', body: JSON.stringify(at) }),
  contract: (r: RelayClient, symbol: string, at: { host: string; port: number; clientId: number }) =>
    r.json<{ symbol: string; contracts: ContractView[] }>(`/api/ibkr/contract?${new URLSearchParams({ symbol, host: at.host, port: String(at.port), clientId: String(at.clientId) })}`),
};
