import type { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { BadRequest, jsonBody } from '../http/validate.ts';
import { RateLimiter } from './rate-limit.ts';
import { SESSION_COOKIE, clientIp } from './guard.ts';

/**
 * POST /api/login {token, bearer?}: the one-time token (from the URL fragment
 * the PWA reads) or the relay token, for a session. Browsers get an httpOnly
 * SameSite=Strict cookie that scripts cannot read; `bearer: true` also returns
 * the session id for clients without cookies. Five tries a minute per address.
 */
export function loginRoutes(app: Hono<RelayEnv>, d: RelayDeps, limiter = new RateLimiter({ max: 5, windowMs: 60_000 })): void {
  const failures = d.metrics.counter('tradeguard_login_failures_total', 'Refused login attempts');
  const limited = d.metrics.counter('tradeguard_login_rate_limited_total', 'Login attempts refused by the rate limit');
  app.post('/api/login', async (c) => {
    const ip = clientIp(c, d.config.trustProxyHops);
    const wait = limiter.hit(ip);
    if (wait > 0) {
      limited();
      d.log.warn('login rate limited', { ip });
      return c.json({ error: 'too many login attempts', retryAfterSeconds: wait }, 429, { 'Retry-After': String(wait) });
    }
    const body = await jsonBody(c);
    const token = body.token;
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) throw new BadRequest('token', 'must be the login token (a non-empty string)');
    const s = d.sessions.login(token);
    if (!s) {
      failures();
      d.log.warn('login refused', { ip });
      return c.json({ error: 'unauthorized', field: 'token', message: 'the token is wrong, expired, or a one-time token already used' }, 401);
    }
    const https = d.config.publicOrigin?.startsWith('https:') ?? false;
    setCookie(c, SESSION_COOKIE, s.id, { httpOnly: true, sameSite: 'Strict', path: '/', secure: https, expires: new Date(s.expiresAt) });
    d.log.info('login', { ip, via: s.via });
    return c.json({ ok: true, expiresAt: s.expiresAt, via: s.via, ...(body.bearer === true ? { bearer: s.id } : {}) });
  });

  app.post('/api/logout', (c) => {
    const s = c.get('session');
    if (s) d.sessions.logout(s.id);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });
}
