import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { RelayEnv } from '../context.ts';
import type { SessionStore } from './sessions.ts';

export const SESSION_COOKIE = 'tg_session';

/**
 * The only requests served without a session: liveness, the login itself, the
 * cTrader OAuth callback (cTrader's redirect carries no SameSite=Strict cookie;
 * the one-time state it must return guards it), Telegram's webhook POST (the
 * secret header it must carry guards it; 404 unless the bot runs in webhook
 * mode: relay/telegram/webhook.ts), and the PWA's static files
 * (public code, no data: the page must load to log in). Everything else,
 * present and future routes and sockets alike, passes `requireAuth`, which is
 * mounted before any route; `assertRoutesGuarded` refuses to build an app with
 * a route outside the private prefixes that is not listed here.
 */
export const PUBLIC_ROUTES: readonly { method: string; path: string }[] = [
  { method: 'GET', path: '/health' },
  { method: 'POST', path: '/api/login' },
  { method: 'GET', path: '/ctrader/callback' },
  { method: 'POST', path: '/telegram/webhook' },
  { method: 'GET', path: '/*' },
];

export function isPublic(method: string, path: string): boolean {
  const read = method === 'GET' || method === 'HEAD';
  if (path === '/health' && read) return true;
  if (path === '/api/login' && method === 'POST') return true;
  if (path === '/ctrader/callback' && read) return true;
  if (path === '/telegram/webhook' && method === 'POST') return true;
  return read && !isPrivatePath(path);
}

/** Where routes live; nothing under these is a static file, so everything under them needs a session unless listed above. */
export const PRIVATE_PREFIXES = ['/api', '/health/', '/metrics', '/ctrader'] as const;

export function isPrivatePath(path: string): boolean {
  return PRIVATE_PREFIXES.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p || path.startsWith(`${p}/`)));
}

/** Throws when a route sits where the static files are served (it would be public by accident). */
export function assertRoutesGuarded(routes: readonly { method: string; path: string }[]): void {
  for (const r of routes) {
    if (r.method === 'ALL' || r.path === '/*') continue;
    const listed = PUBLIC_ROUTES.some((p) => p.method === r.method && p.path === r.path);
    if (!listed && !isPrivatePath(r.path)) throw new Error(`route ${r.method} ${r.path} is outside ${PRIVATE_PREFIXES.join(', ')}: it would be served without a session. Move it under /api/ or list it in PUBLIC_ROUTES on purpose.`);
  }
}

/** The session of a request: cookie (browsers) or bearer (scripts); a bearer may also be the relay token itself. */
export function sessionOf(c: Context, sessions: SessionStore): { ok: boolean; session: ReturnType<SessionStore['get']> } {
  const auth = c.req.header('authorization');
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) return { ok: false, session: null };
    const s = sessions.get(m[1]);
    if (s) return { ok: true, session: s };
    return { ok: sessions.isRelayToken(m[1]), session: null };
  }
  const s = sessions.get(getCookie(c, SESSION_COOKIE));
  return { ok: s !== null, session: s };
}

export function requireAuth(sessions: SessionStore, onRefused: (c: Context) => void): MiddlewareHandler<RelayEnv> {
  return async (c, next) => {
    if (isPublic(c.req.method, c.req.path)) return next();
    const { ok, session } = sessionOf(c, sessions);
    if (!ok) {
      onRefused(c);
      return c.json({ error: 'unauthorized', message: 'log in: POST /api/login {"token": ...} with the one-time token printed at start or the relay token' }, 401, { 'WWW-Authenticate': 'Bearer realm="tradeguard"' });
    }
    c.set('session', session);
    return next();
  };
}

/**
 * The client's address: the socket's, or behind `proxyHops` proxies of yours
 * the X-Forwarded-For entry that many from the right. Each proxy appends the
 * address it saw, so only the rightmost `proxyHops` entries are written by
 * proxies you trust; anything left of them the client can write itself (the
 * leftmost entry would let it pick a fresh address for every login attempt).
 */
export function clientIp(c: Context, proxyHops: number): string {
  if (proxyHops > 0) {
    const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    // Fewer entries than proxies: the request entered part-way along the chain; the leftmost was still written by one of them.
    if (hops.length) return hops[Math.max(0, hops.length - proxyHops)];
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
