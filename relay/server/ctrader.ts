import type { Hono } from 'hono';
import { createCTraderOAuthApp } from '../ctrader/oauth.ts';
import type { CTraderTokens, TokenStore } from '../ctrader/tokens.ts';
import type { RelayDeps, RelayEnv } from './context.ts';

/** Where the relay keeps the cTrader OAuth tokens: a secret setting (left out of backups unless asked). */
export const CTRADER_TOKENS_SETTING = 'ctrader.oauthToken';

export function settingsTokenStore(d: Pick<RelayDeps, 'store'>): TokenStore {
  return {
    get: async () => (await d.store.settings.get<CTraderTokens>(CTRADER_TOKENS_SETTING)) ?? null,
    put: (t) => d.store.settings.put(CTRADER_TOKENS_SETTING, t),
  };
}

/**
 * The cTrader OAuth flow (relay/ctrader/oauth.ts) at /ctrader/connect and
 * /ctrader/callback, when an application is configured. The callback URL is
 * the public origin's, else the loopback address the relay listens at: that
 * is the URL to register with the application at openapi.ctrader.com.
 */
export function ctraderRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  const cfg = d.config.ctrader;
  if (!cfg) return;
  let sub: Hono | null = null;
  const oauth = () =>
    (sub ??= createCTraderOAuthApp({
      clientId: cfg.clientId,
      clientSecret: cfg.clientSecret,
      redirectUri: `${d.config.publicOrigin ?? d.allowedOrigins()[0]}/ctrader/callback`,
      tokenStore: settingsTokenStore(d),
      log: (level, message) => d.log.log(level, `ctrader: ${message}`),
    }));
  const forward = (path: string) => (c: { req: { raw: Request; url: string } }) => {
    const u = new URL(c.req.url);
    return oauth().fetch(new Request(new URL(path + u.search, u), c.req.raw));
  };
  app.get('/ctrader/connect', forward('/connect'));
  app.get('/ctrader/callback', forward('/callback'));
}
