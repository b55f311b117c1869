import type Database from 'better-sqlite3';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import type { EngineStore } from '../../workers/store/store.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';
import type { RelayConfig } from '../config/config.ts';
import { isLoopback } from '../config/config.ts';
import type { OpsState, RelayDeps, RelayHost } from '../server/context.ts';
import { SessionStore } from '../server/auth/sessions.ts';
import { RateLimiter } from '../server/auth/rate-limit.ts';
import { LeaseTable, type LeaseHooks } from '../server/leases.ts';
import { Metrics } from '../server/metrics.ts';
import { watchTrading } from '../server/trading-metrics.ts';
import { alertMetrics } from '../server/alert-metrics.ts';
import { StreamHub } from '../server/stream/hub.ts';
import { createRelayApp } from '../server/app.ts';
import { CTraderAccountManager } from '../ctrader/account-manager.ts';
import { openRelayTokens, type RelayTokens } from '../ctrader/relay-tokens.ts';
import { endpointTransport } from '../ctrader/transport.node.ts';
import type { CTraderTransport } from '../../workers/brokers/ctrader/transport.ts';
import { startAccountPoll, type IntervalTimers } from './account-poll.ts';
import { hostLeaseHooks } from './lease-hooks.ts';
import type { Logger } from './log.ts';
import { startNotify, type RunningNotify } from './start-notify.ts';
import type { OutboxTimers } from '../notify/outbox.ts';
import { TelegramWebhookSlot } from '../telegram/webhook.ts';

export interface StartRelayOptions {
  config: RelayConfig;
  store: EngineStore;
  host: RelayHost;
  log: Logger;
  loadModel: (id: string) => Promise<LoadedModel>;
  staticDir: string | null;
  database?: () => { ok: boolean; detail: string };
  heartbeatMs?: number;
  leaseNow?: () => number;
  /** What a lease change does to the relay's workspace; by default it pauses and resumes the agent in the host. */
  leaseHooks?: LeaseHooks;
  pollTimers?: IntervalTimers;
  tunnelTls?: { ca?: string | Buffer };
  loginLimiter?: RateLimiter;
  /** How the Settings cTrader account reaches cTrader; by default TLS to the configured servers (TG_CTRADER_*_HOST, TG_CTRADER_CA_FILE). */
  ctraderTransport?: (live: boolean) => CTraderTransport;
  /** The cTrader grant shared with the live workspace (one refresher per grant); opened here when not given. */
  ctraderTokens?: RelayTokens;
  /** The relay's metrics, when the caller shares them with the workspace it opened (serve: the live workspace's order timings). */
  metrics?: Metrics;
  /** The relay's clock (tests): session and cTrader sign-in lifetimes. */
  now?: () => number;
  /** The alert outbox's database; by default the store's own (a SQLite store), else alerts are off. */
  alertsDb?: Database.Database;
  /** The outbox's retry timers (tests). */
  alertTimers?: OutboxTimers;
}

export interface RunningRelay {
  url: string;
  port: number;
  /** For the start banner only (it is printed once, in a URL fragment). */
  oneTimeToken: string;
  deps: RelayDeps;
  app: ReturnType<typeof createRelayApp>['app'];
  /** The Telegram bot and the alert outbox, when TG_TELEGRAM_* or TG_DISCORD_WEBHOOK_URL configure them. */
  notify: RunningNotify;
  pollNow(): Promise<void>;
  /** Closes sockets and the server, stops the poll (the caller stops the host and closes the store). */
  close(): Promise<void>;
}

/** Wires the relay's parts over a store and a host and starts listening. */
export async function startRelay(o: StartRelayOptions): Promise<RunningRelay> {
  const { config } = o;
  const metrics = o.metrics ?? new Metrics();
  const sentEvents = metrics.counter('tradeguard_stream_events_sent_total', 'Engine events written to stream sockets');
  const sessions = new SessionStore({ ttlMs: config.sessionTtlMs, relayToken: config.relayToken, ...(o.now ? { now: o.now } : {}) });
  const oneTimeToken = sessions.issueOneTimeToken();
  const hub = new StreamHub({ events: o.store.events, onSent: (n) => sentEvents({}, n) });
  const hooks = o.leaseHooks ?? hostLeaseHooks(o.host, o.log);
  const leases = new LeaseTable({
    now: o.leaseNow ?? Date.now,
    hooks: {
      ...hooks,
      changed: (l) => {
        hooks.changed?.(l);
        hub.broadcast({ t: 'lease', lease: l });
      },
    },
  });
  const ops: OpsState = { lastPoll: null, startedAt: Date.now(), database: o.database ?? (() => ({ ok: true, detail: 'in memory' })) };
  let port = config.port;
  const deps: RelayDeps = {
    config,
    store: o.store,
    host: o.host,
    sessions,
    leases,
    hub,
    metrics,
    log: o.log,
    ops,
    loadModel: o.loadModel,
    staticDir: o.staticDir,
    allowedOrigins: () => {
      const own = [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`];
      if (!isLoopback(config.host) && config.host !== '0.0.0.0' && config.host !== '::') own.push(`http://${config.host}:${port}`);
      return config.publicOrigin ? [...own, config.publicOrigin] : own;
    },
    ...(o.tunnelTls ? { tunnelTls: o.tunnelTls } : {}),
    ...(o.now ? { now: o.now } : {}),
  };
  const ctraderLog = (level: 'info' | 'warn' | 'error', message: string) => o.log.log(level, `ctrader: ${message}`);
  const tokens = o.ctraderTokens ?? (await openRelayTokens({ config, store: o.store, log: ctraderLog }));
  deps.ctrader = new CTraderAccountManager({ app: config.ctrader, store: o.store, tokens, transport: o.ctraderTransport ?? endpointTransport(config.ctraderEndpoints), log: ctraderLog });
  const unwatchTrading = watchTrading(metrics, o.host);
  o.host.subscribe((u) => {
    hub.publish(u.events);
    hub.status(u.status);
  });
  // The app's webhook route finds the bot through this once startNotify has it (webhook mode only).
  const telegramWebhook = new TelegramWebhookSlot();
  const { app, injectWebSocket, wss } = createRelayApp(deps, { heartbeatMs: o.heartbeatMs, loginLimiter: o.loginLimiter, telegramWebhook });
  const server = createAdaptorServer({ fetch: app.fetch, hostname: config.host }) as Server;
  injectWebSocket(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const poll = startAccountPoll({ status: () => o.host.status(), snapshots: o.store.snapshots, intervalMs: config.pollIntervalMs, ops, log: o.log, timers: o.pollTimers });
  const sweep = setInterval(() => void leases.sweep().catch((e: unknown) => o.log.error('lease sweep failed', { error: e })), 1000);
  sweep.unref();
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  o.log.info('relay listening', { host: config.host, port });
  void deps.ctrader.resume().catch((e: unknown) => o.log.warn('cTrader account not resumed', { error: e }));
  const notify = await startNotify({ ...o, telegramWebhook, onAlertSend: alertMetrics(metrics) });
  deps.notify = notify;

  return {
    url: `http://${shownHost}:${port}`,
    port,
    oneTimeToken,
    deps,
    app,
    notify,
    pollNow: () => poll.pollNow(),
    async close() {
      clearInterval(sweep);
      unwatchTrading();
      // relay.stopped goes out (or stays queued) and the outbox stops before the caller closes the store.
      await notify.stop();
      deps.ctrader?.stop();
      // Whoever opened the grant stops its refresher.
      if (!o.ctraderTokens) tokens.manager?.stop();
      await poll.stop();
      hub.closeAll(1001, 'the relay is shutting down');
      for (const c of wss.clients) c.close(1001, 'the relay is shutting down');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections?.();
        setTimeout(() => {
          server.closeAllConnections?.();
          for (const c of wss.clients) c.terminate();
        }, 2000).unref();
      });
    },
  };
}
