import type { CommandResult, HostStatus, HostUpdate, WorkspaceCommand } from '../../workers/host/api.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import type { BarWatcher } from '../../workers/host/host-core.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';
import type { RelayConfig } from '../config/config.ts';
import type { CTraderAccountManager } from '../ctrader/account-manager.ts';
import type { Logger } from '../ops/log.ts';
import type { RunningNotify } from '../ops/start-notify.ts';
import type { Session, SessionStore } from './auth/sessions.ts';
import type { LeaseTable } from './leases.ts';
import type { Metrics } from './metrics.ts';
import type { StreamHub } from './stream/hub.ts';

/** What the relay needs of the workspace host (workers/host/workspace-host.ts); tests may pass a fake. */
export interface RelayHost {
  status(): Promise<HostStatus>;
  command(c: WorkspaceCommand, source?: string): Promise<CommandResult>;
  subscribe(fn: (u: HostUpdate) => void): unknown;
  /** Each bar the feed delivers, before the engine sees it (workers/host/host-core.ts): the relay's decision and feed-lag metrics. */
  watchBars?(fn: BarWatcher): unknown;
}

/** Facts the operations side keeps for /health/detailed. */
export interface OpsState {
  lastPoll: { time: number; ok: boolean; error?: string } | null;
  startedAt: number;
  database: () => { ok: boolean; detail: string };
}

export interface RelayDeps {
  config: RelayConfig;
  store: EngineStore;
  host: RelayHost;
  sessions: SessionStore;
  leases: LeaseTable;
  hub: StreamHub;
  metrics: Metrics;
  log: Logger;
  ops: OpsState;
  /** Loads a stored model bundle for a backtest. */
  loadModel: (id: string) => Promise<LoadedModel>;
  /** The built PWA (dist/), or null to serve the API only. */
  staticDir: string | null;
  /** Origins allowed for CORS and sockets besides the one the relay listens at. */
  allowedOrigins: () => string[];
  /** TLS options for the tunnel (tests pass a CA for a local TLS server). */
  tunnelTls?: { ca?: string | Buffer };
  /** The cTrader account for Settings (relay/ctrader/account-manager.ts); absent when no application is configured. */
  ctrader?: CTraderAccountManager;
  /** The relay's clock when a test injects one (session and cTrader sign-in lifetimes); else Date.now. */
  now?: () => number;
  /** Alerts, the bot and their settings (relay/ops/start-notify.ts); set once they started, just after the server listens. */
  notify?: RunningNotify;
}

/** Hono's per-request variables for the relay. */
export type RelayEnv = { Variables: { session: Session | null } };
