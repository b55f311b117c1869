import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { randomToken, sameSecret } from '../server/auth/sessions.ts';
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
  /** The logged-in session a request carries, or null. A sign-in is bound to the session that started it. */
  sessionOf: (c: Context) => string | null;
  /** Whether that session is still logged in: a logout or an expired session ends the sign-in it started. */
  sessionAlive: (id: string) => boolean;
  /** Mark the browser-binding cookie Secure (the relay is reached over https). */
  secureCookie?: boolean;
  /**
   * The browser reaches the relay directly (no proxy in front): a Connect from
   * another host name than the callback's (localhost vs 127.0.0.1) is refused
   * at once, since the browser would not bring the flow cookie back there.
   */
  sameHostAsCallback?: boolean;
  fetch?: typeof fetch;
  /** The relay's clock (tests inject one): the sign-in's lifetime runs on it. */
  now?: () => number;
  /** After a successful grant (the relay then (re)starts its cTrader session). Tokens are not passed on. */
  onConnected?: () => void;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export const STATE_TTL_MS = 10 * 60_000;
/** Holds the sign-in's browser secret; Lax, because cTrader's redirect back is a cross-site navigation (the session cookie is Strict). */
export const FLOW_COOKIE = 'tg_ctrader_flow';

interface Flow {
  session: string;
  /** The secret in the starting browser's flow cookie: cTrader's redirect must come back to that browser. */
  browser: string;
  expiresAt: number;
  used: boolean;
}

const AGAIN = 'Start again from Settings > cTrader > Connect';

/**
 * The OAuth2 authorization-code flow as a Hono sub-app (mount it, e.g. at /ctrader):
 *   GET /connect  -> redirect to cTrader's consent page (needs a logged-in session)
 *   GET /callback -> exchange ?code= (valid for one minute) for tokens, store them
 * The `state` is required, single-use, valid STATE_TTL_MS, and bound to the
 * session that started the flow and to its browser (a cookie), so nobody can
 * bind the relay to an account of theirs by sending a callback of their own.
 * The client secret and the tokens stay in the relay; the page shows neither.
 */
export function createCTraderOAuthApp(cfg: CTraderOAuthConfig): Hono {
  const app = new Hono();
  const flows = new Map<string, Flow>();
  const now = cfg.now ?? Date.now;

  app.get('/connect', (c) => {
    const session = cfg.sessionOf(c);
    if (!session) return page(c, 401, 'Log in first', `Connecting a cTrader account needs a login session of this relay (the relay token as a bearer has none). Log in through the relay's page, then ${AGAIN.toLowerCase()}.`);
    const callback = new URL(cfg.redirectUri);
    if (cfg.sameHostAsCallback && new URL(c.req.url).host !== callback.host) {
      return page(c, 400, 'Connect from the callback address', `cTrader sends you back to ${callback.origin}, and this browser only proves it started the sign-in there. Open the relay at ${callback.origin}, log in, then ${AGAIN.toLowerCase()}.`);
    }
    // Kept past expiry for an hour, so a late callback hears "expired" rather than "unknown".
    for (const [k, f] of flows) if (f.expiresAt + 3_600_000 < now()) flows.delete(k);
    const state = randomToken(24);
    const browser = randomToken(24);
    flows.set(state, { session, browser, expiresAt: now() + STATE_TTL_MS, used: false });
    setCookie(c, FLOW_COOKIE, browser, { httpOnly: true, sameSite: 'Lax', path: '/ctrader/callback', secure: cfg.secureCookie ?? false, maxAge: STATE_TTL_MS / 1000 });
    const url = new URL(cfg.authUrl ?? CTRADER_AUTH_URL);
    url.searchParams.set('client_id', cfg.clientId);
    url.searchParams.set('redirect_uri', cfg.redirectUri);
    url.searchParams.set('scope', cfg.scope ?? 'trading');
    url.searchParams.set('state', state);
    return c.redirect(url.toString(), 302);
  });

  app.get('/callback', async (c) => {
    const refused = checkFlow(c, flows, cfg, now());
    if (refused) {
      cfg.log?.('warn', `cTrader sign-in refused: ${refused.title}`);
      return page(c, refused.status, refused.title, refused.text);
    }
    const error = c.req.query('error');
    if (error) return page(c, 400, 'cTrader did not grant access', `cTrader answered "${error}"${c.req.query('error_description') ? `: ${c.req.query('error_description')}` : ''}. Try Connect again and approve access to the account.`);
    const code = c.req.query('code');
    if (!code) return page(c, 400, 'No authorisation code', 'This address is where cTrader sends you back after you approve access. Start from Connect instead.');
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

/** Why a callback is refused (null: it answers the flow its browser's session started, once, in time). Marks the flow used. */
function checkFlow(c: Context, flows: Map<string, Flow>, cfg: CTraderOAuthConfig, now: number): { status: 400 | 403; title: string; text: string } | null {
  const state = c.req.query('state');
  if (!state) return { status: 400, title: 'Sign-in answer without its state', text: `cTrader sends back the "state" the relay gave the sign-in; this request has none, so it is not the answer to a sign-in started here. ${AGAIN}.` };
  const flow = flows.get(state);
  if (!flow) return { status: 400, title: 'Unknown sign-in', text: `This relay did not start this sign-in (or it restarted since, or the link expired long ago). ${AGAIN}.` };
  if (flow.used) return { status: 400, title: 'This sign-in link was already used', text: `Each sign-in link works once. ${AGAIN}.` };
  if (flow.expiresAt <= now) {
    flows.delete(state);
    return { status: 400, title: 'This sign-in link has expired', text: `A sign-in must be finished within ${STATE_TTL_MS / 60_000} minutes. ${AGAIN}.` };
  }
  const here = cfg.sessionOf(c);
  const browser = getCookie(c, FLOW_COOKIE);
  if ((here !== null && here !== flow.session) || browser === undefined || !sameSecret(browser, flow.browser)) {
    return { status: 403, title: 'This sign-in belongs to another login', text: `It was started by another login session or in another browser: finish it there, or ${AGAIN.toLowerCase()} in this browser.` };
  }
  flow.used = true;
  if (!cfg.sessionAlive(flow.session)) return { status: 403, title: 'The login that started this sign-in has ended', text: `You were logged out (or the session expired) while signing in to cTrader. Log in again, then ${AGAIN.toLowerCase()}.` };
  return null;
}

function page(c: Context, status: 200 | 400 | 401 | 403 | 502, title: string, text: string): Response {
  const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
  return c.html(`<!doctype html><meta charset="utf-8"><title>${esc(title)}</title><h1>${esc(title)}</h1><p>${esc(text)}</p>`, status);
}
