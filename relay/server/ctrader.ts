import type { Hono } from 'hono';
import { createCTraderOAuthApp } from '../ctrader/oauth.ts';
import type { RelayDeps, RelayEnv } from './context.ts';
import { sessionOf } from './auth/guard.ts';

/**
 * The cTrader OAuth flow (relay/ctrader/oauth.ts) at /ctrader/connect and
 * /ctrader/callback, when an application is configured. The callback URL is
 * the public origin's, else the loopback address the relay listens at: that
 * is the URL to register with the application at openapi.ctrader.com.
 */
export function ctraderRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  const cfg = d.config.ctrader;
  const account = d.ctrader;
  if (!cfg || !account) return;
  let sub: Hono | null = null;
  const oauth = () =>
    (sub ??= createCTraderOAuthApp({
      clientId: cfg.clientId,
      clientSecret: cfg.clientSecret,
      redirectUri: `${d.config.publicOrigin ?? d.allowedOrigins()[0]}/ctrader/callback`,
      tokenStore: account.tokenStore,
      authUrl: d.config.ctraderEndpoints.authUrl,
      tokenUrl: d.config.ctraderEndpoints.tokenUrl,
      // The forwarded request carries the relay's cookie and bearer: the session is looked up the relay's way.
      sessionOf: (c) => sessionOf(c, d.sessions).session?.id ?? null,
      sessionAlive: (id) => d.sessions.get(id) !== null,
      secureCookie: d.config.publicOrigin?.startsWith('https:') ?? false,
      // Behind a proxy the Host header is the proxy's business; without one it is what the browser typed.
      sameHostAsCallback: d.config.publicOrigin === null,
      ...(d.now ? { now: d.now } : {}),
      log: (level, message) => d.log.log(level, `ctrader: ${message}`),
    }));
  const forward = (path: string) => (c: { req: { raw: Request; url: string } }) => {
    const u = new URL(c.req.url);
    return oauth().fetch(new Request(new URL(path + u.search, u), c.req.raw));
  };
  app.get('/ctrader/connect', forward('/connect'));
  app.get('/ctrader/callback', forward('/callback'));
}
