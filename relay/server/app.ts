import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { createNodeWebSocket } from '@hono/node-ws';
import type { HostStatus } from '../../workers/host/api.ts';
import type { RelayDeps, RelayEnv } from './context.ts';
import { assertRoutesGuarded, clientIp, requireAuth } from './auth/guard.ts';
import { loginRoutes } from './auth/login-route.ts';
import { RateLimiter } from './auth/rate-limit.ts';
import { originGuard, securityHeaders } from './http/headers.ts';
import { BadRequest } from './http/validate.ts';
import { serveDist } from './http/static.ts';
import { readRoutes } from './api/reads.ts';
import { storeReadRoutes } from './api/store-read.ts';
import { commandRoutes } from './api/commands.ts';
import { tradeCommandRoutes } from './api/trade-commands.ts';
import { shadowCommandRoutes } from './api/shadow-commands.ts';
import { dataRoutes } from './api/data.ts';
import { backtestRoutes } from './api/backtests.ts';
import { cellRoutes } from './api/cells.ts';
import { screenerRoutes } from './api/screener.ts';
import { streamRoute } from './stream/route.ts';
import { tunnelRoute } from './tunnel/tunnel.ts';
import { healthRoutes } from './health.ts';
import { ctraderRoutes } from './ctrader.ts';
import { ctraderAccountRoutes } from './api/ctrader-account.ts';
import { ibkrRoutes } from './api/ibkr.ts';
import { notifyRoutes } from './api/notify.ts';
import { telegramWebhookRoute, type TelegramWebhookSlot } from '../telegram/webhook.ts';

export const JSON_BODY_LIMIT = 1024 * 1024;
/** Routes whose body is a file (a model bundle, a bar CSV): the upload limit instead of the JSON one. */
const UPLOADS = new Set(['/api/models', '/api/bars']);

export interface RelayAppOptions {
  heartbeatMs?: number;
  loginLimiter?: RateLimiter;
  /** Where POST /telegram/webhook finds the bot in webhook mode; without it the route answers 404. */
  telegramWebhook?: TelegramWebhookSlot;
}

/**
 * The relay's HTTP and WebSocket surface. Order matters: security headers wrap
 * everything, foreign origins are refused, then authentication runs before any
 * route is matched, so a route added later is private unless it is listed in
 * PUBLIC_ROUTES (auth/guard.ts) - the auth test enumerates `app.routes`.
 */
export function createRelayApp(d: RelayDeps, o: RelayAppOptions = {}) {
  const app = new Hono<RelayEnv>();
  const ws = createNodeWebSocket({ app });
  const requests = d.metrics.counter('tradeguard_http_requests_total', 'HTTP requests by method, route and status', ['method', 'route', 'status']);
  const refused = d.metrics.counter('tradeguard_auth_refused_total', 'Requests refused for a missing or wrong credential');
  let current: HostStatus | null = null;
  registerGauges(d, () => current);

  app.use('*', securityHeaders({ https: d.config.publicOrigin?.startsWith('https:') ?? false }));
  app.use('*', async (c, next) => {
    const t0 = performance.now();
    await next();
    const route = c.req.routePath || c.req.path;
    requests({ method: c.req.method, route, status: String(c.res.status) });
    if (route.startsWith('/api/') || route.startsWith('/health/') || route === '/metrics' || c.res.status >= 400) {
      d.log.info('http', { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - t0), ip: clientIp(c, d.config.trustProxyHops) });
    }
  });
  app.use('*', originGuard(d.allowedOrigins));
  app.use('*', requireAuth(d.sessions, () => refused()));
  app.use('/api/*', (c, next) =>
    bodyLimit({
      maxSize: UPLOADS.has(c.req.path) ? d.config.maxUploadBytes : JSON_BODY_LIMIT,
      onError: (cc) => cc.json({ error: 'payload too large', field: 'body', maxBytes: UPLOADS.has(c.req.path) ? d.config.maxUploadBytes : JSON_BODY_LIMIT }, 413),
    })(c, next),
  );
  app.use('/metrics', async (_c, next) => {
    current = await d.host.status().catch(() => current);
    return next();
  });

  healthRoutes(app, d);
  loginRoutes(app, d, o.loginLimiter);
  readRoutes(app, d);
  storeReadRoutes(app, d);
  commandRoutes(app, d);
  tradeCommandRoutes(app, d);
  shadowCommandRoutes(app, d);
  dataRoutes(app, d);
  backtestRoutes(app, d);
  cellRoutes(app, d);
  screenerRoutes(app, d);
  streamRoute(app, d, ws.upgradeWebSocket, o.heartbeatMs ?? 20_000);
  tunnelRoute(app, d, ws.upgradeWebSocket);
  ctraderRoutes(app, d);
  ctraderAccountRoutes(app, d);
  ibkrRoutes(app, d);
  notifyRoutes(app, d);
  telegramWebhookRoute(app, o.telegramWebhook ?? null);
  app.all('/api/*', (c) => c.json({ error: 'not found', field: 'path', message: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.get('/*', serveDist(d.staticDir));

  assertRoutesGuarded(app.routes);

  app.onError((e, c) => {
    if (e instanceof BadRequest) return c.json({ error: e.message, field: e.field }, e.status);
    if (e instanceof HTTPException) return e.getResponse();
    d.log.error('request failed', { method: c.req.method, path: c.req.path, error: e });
    return c.json({ error: 'internal error', message: e.message }, 500);
  });
  return { app, injectWebSocket: ws.injectWebSocket, wss: ws.wss };
}

function registerGauges(d: RelayDeps, status: () => HostStatus | null): void {
  const m = d.metrics;
  m.gauge('tradeguard_up', 'The relay is running', () => 1);
  // Memory, CPU and the event loop: prom-client's default process metrics (server/metrics.ts).
  m.gauge('tradeguard_stream_clients', 'Stream sockets connected', () => d.hub.size);
  m.gauge('tradeguard_sessions', 'Live sessions', () => d.sessions.count());
  const st = (f: (s: HostStatus) => number) => () => {
    const s = status();
    if (!s) throw new Error('no status');
    return f(s);
  };
  m.gauge('tradeguard_engine_last_seq', 'Last event sequence number', st((s) => s.lastSeq));
  m.gauge('tradeguard_feed_bars_done', 'Bars the feed has delivered', st((s) => s.feed.done));
  m.gauge('tradeguard_feed_bars_total', 'Bars the feed will deliver', st((s) => s.feed.total));
  m.gauge('tradeguard_feed_last_bar_time_seconds', 'Open time of the last bar', st((s) => (s.feed.lastBarTime ?? 0) / 1000));
  m.gauge('tradeguard_account_equity', 'Account equity', st((s) => s.account.equity));
  m.gauge('tradeguard_account_balance', 'Account balance', st((s) => s.account.balance));
  m.gauge('tradeguard_account_drawdown_ratio', 'Drawdown from the equity peak (0..1)', st((s) => s.account.drawdown));
  m.gauge('tradeguard_account_used_margin', 'Margin in use', st((s) => s.account.usedMargin));
  m.gauge('tradeguard_broker_connected', 'Broker connection (1 up)', st((s) => (s.broker.connected ? 1 : 0)));
  m.gauge('tradeguard_agents', 'Agents by state', () => {
    const s = status();
    if (!s) throw new Error('no status');
    const n: Record<string, number> = { running: 0, paused: 0, stopped: 0 };
    for (const a of s.agents) n[a.state] = (n[a.state] ?? 0) + 1;
    return Object.entries(n).map(([state, v]) => [{ state }, v]);
  });
  m.gauge('tradeguard_last_poll_time_seconds', 'When the account was last polled', () => (d.ops.lastPoll?.time ?? 0) / 1000);
  m.gauge('tradeguard_lease_browser_owned', 'Agents a browser owns now', () => d.leases.list().filter((l) => l.owner !== 'relay').length);
}
