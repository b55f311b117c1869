import { Hono, type Context } from 'hono';
import { CTRADER_AUTH_URL, callTokenEndpoint, type CTraderTokens, type TokenStore } from './tokens.ts';

export interface CTraderOAuthConfig {
  clientId: string;
  clientSecret: string;
  /** The callback URL as registered with the application at openapi.ctrader.com, e.g. https://relay.example/ctrader/callback. */
  redirectUri: string;
  tokenStore: TokenStore;
  tokenUrl?: string;
  authUrl?: string;
  /** 'trading' lets TradeGuard place orders; 'accounts' is view-only. */
  scope?: 'trading' | 'accounts';
  fetch?: typeof fetch;
  now?: () => number;
  /** After a successful grant (the relay then (re)starts its cTrader session). Tokens are not passed on. */
  onConnected?: () => void;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const STATE_TTL_MS = 10 * 60_000;

/**
 * The OAuth2 authorization-code flow as a Hono sub-app (mount it, e.g. at /ctrader):
 *   GET /connect  -> redirect to cTrader's consent page
 *   GET /callback -> exchange ?code= (valid for one minute) for tokens, store them
 * The client secret and the tokens stay in the relay; the page shows neither.
 */
export function createCTraderOAuthApp(cfg: CTraderOAuthConfig): Hono {
  const app = new Hono();
  const states = new Map<string, number>();
  const now = cfg.now ?? Date.now;

  app.get('/connect', (c) => {
    for (const [k, t] of states) if (t < now()) states.delete(k);
    const state = crypto.randomUUID();
    states.set(state, now() + STATE_TTL_MS);
    const url = new URL(cfg.authUrl ?? CTRADER_AUTH_URL);
    url.searchParams.set('client_id', cfg.clientId);
    url.searchParams.set('redirect_uri', cfg.redirectUri);
    url.searchParams.set('scope', cfg.scope ?? 'trading');
    url.searchParams.set('state', state);
    return c.redirect(url.toString(), 302);
  });

  app.get('/callback', async (c) => {
    const error = c.req.query('error');
    if (error) return page(c, 400, 'cTrader did not grant access', `cTrader answered "${error}"${c.req.query('error_description') ? `: ${c.req.query('error_description')}` : ''}. Try Connect again and approve access to the account.`);
    const code = c.req.query('code');
    if (!code) return page(c, 400, 'No authorisation code', 'This address is where cTrader sends you back after you approve access. Start from Connect instead.');
    const state = c.req.query('state');
    // cTrader passes state back on the redirect; a state we did not issue is a forged or replayed callback.
    if (state !== undefined) {
      const exp = states.get(state);
      states.delete(state);
      if (!exp || exp < now()) return page(c, 400, 'This sign-in link has expired', 'Start again from Connect (the link is valid for 10 minutes and works once).');
    }
    let tokens: CTraderTokens;
    try {
      tokens = await callTokenEndpoint({ clientId: cfg.clientId, clientSecret: cfg.clientSecret, tokenUrl: cfg.tokenUrl, fetch: cfg.fetch }, { grant_type: 'authorization_code', code, redirect_uri: cfg.redirectUri }, now());
    } catch (e) {
      cfg.log?.('warn', (e as Error).message);
      return page(c, 502, 'Could not finish connecting cTrader', `${(e as Error).message}. The code is valid for one minute only.`);
    }
    await cfg.tokenStore.put(tokens);
    cfg.log?.('info', `cTrader account access granted; token valid until ${new Date(tokens.expiresAt).toISOString()}`);
    cfg.onConnected?.();
    return page(c, 200, 'cTrader connected', 'TradeGuard can now reach your cTrader account. You can close this tab.');
  });

  return app;
}

function page(c: Context, status: 200 | 400 | 502, title: string, text: string): Response {
  const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
  return c.html(`<!doctype html><meta charset="utf-8"><title>${esc(title)}</title><h1>${esc(title)}</h1><p>${esc(text)}</p>`, status);
}
