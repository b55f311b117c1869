import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_ROUTES, assertRoutesGuarded, isPublic } from '../../relay/server/auth/guard.ts';
import { RateLimiter } from '../../relay/server/auth/rate-limit.ts';
import { CSP } from '../../relay/server/http/headers.ts';
import { RELAY_TOKEN, api, login, startFakeRelay, upgradeStatus, type TestRelay } from './helpers.ts';

/** Every route the app has, from Hono's own table (middleware entries are method ALL). */
function routesOf(relay: TestRelay): { method: string; path: string }[] {
  const seen = new Set<string>();
  return relay.app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => ({ method: r.method, path: r.path }))
    .filter((r) => (seen.has(`${r.method} ${r.path}`) ? false : (seen.add(`${r.method} ${r.path}`), true)));
}

/** A concrete URL for a route pattern (':id' -> a plausible value). */
const concrete = (path: string) => path.replace(/:([A-Za-z]+)/g, (_m, name: string) => (name === 'timeframe' ? 'H1' : name === 'symbol' ? 'EURUSD' : 'demo-sma')).replace('/*', '/index.html');

const CTRADER = { TG_CTRADER_CLIENT_ID: '12345_AbCdEfGhIjKlMnOpQrStUvWxYz0123', TG_CTRADER_CLIENT_SECRET: 'SeCrEtAbCdEfGhIjKlMnOpQrSt0123456789' };

describe('relay authentication', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    // With a cTrader application configured, so its OAuth routes are enumerated too.
    relay = await startFakeRelay({ loginLimiter: new RateLimiter({ max: 1000, windowMs: 60_000 }), env: CTRADER });
  });
  afterAll(() => relay.close());

  it('lists its public routes explicitly, and nothing else is public', () => {
    const routes = routesOf(relay);
    expect(routes.length).toBeGreaterThan(25);
    const open = routes.filter((r) => isPublic(r.method, concrete(r.path))).map((r) => `${r.method} ${r.path}`);
    expect(open.sort()).toEqual(PUBLIC_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('refuses to build an app with a route where static files are served', () => {
    expect(() => assertRoutesGuarded([{ method: 'GET', path: '/debug/dump' }])).toThrow(/GET \/debug\/dump .* without a session/);
    expect(() => assertRoutesGuarded([{ method: 'GET', path: '/api/anything' }, { method: 'GET', path: '/*' }, { method: 'GET', path: '/health' }])).not.toThrow();
  });

  it('runs the cTrader OAuth flow behind a session; only the callback (guarded by its one-time state) is public', async () => {
    expect((await fetch(`${relay.url}/ctrader/connect`, { redirect: 'manual' })).status).toBe(401);
    const bearer = await login(relay);
    const go = await fetch(`${relay.url}/ctrader/connect`, { redirect: 'manual', headers: { authorization: `Bearer ${bearer}` } });
    expect(go.status).toBe(302);
    const to = new URL(go.headers.get('location')!);
    expect(to.origin).toBe('https://openapi.ctrader.com');
    expect(to.searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${relay.port}/ctrader/callback`);
    expect(to.searchParams.get('client_id')).toBe(CTRADER.TG_CTRADER_CLIENT_ID);
    expect(go.headers.get('location')).not.toContain(CTRADER.TG_CTRADER_CLIENT_SECRET);
    const cb = await fetch(`${relay.url}/ctrader/callback?code=x&state=forged`);
    expect(cb.status).toBe(400);
    expect(await cb.text()).toContain('expired');
  });

  it('refuses every non-public route without a credential, with a wrong bearer, and with a forged cookie', async () => {
    const routes = routesOf(relay).filter((r) => !isPublic(r.method, concrete(r.path)));
    for (const r of routes) {
      const url = relay.url + concrete(r.path);
      const init = (headers: Record<string, string>): RequestInit => ({ method: r.method, headers: { 'content-type': 'application/json', ...headers }, ...(r.method === 'GET' || r.method === 'HEAD' ? {} : { body: '{}' }) });
      const variants: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-session' }, { authorization: `Bearer ${RELAY_TOKEN}x` }, { cookie: 'tg_session=forged' }, { authorization: 'Basic abc' }];
      for (const headers of variants) {
        const res = await fetch(url, init(headers));
        expect(res.status, `${r.method} ${r.path} with ${JSON.stringify(headers)}`).toBe(401);
        await res.body?.cancel();
      }
    }
  });

  it('refuses both sockets without a credential or with a wrong one', async () => {
    const ws = relay.url.replace('http', 'ws');
    for (const path of ['/api/stream', '/api/stream?after=0', '/api/tunnel?host=demo.ctraderapi.com&port=5035&tls=1']) {
      expect(await upgradeStatus(ws + path), path).toBe(401);
      expect(await upgradeStatus(ws + path, { authorization: 'Bearer wrong' }), path).toBe(401);
      expect(await upgradeStatus(ws + path, { cookie: 'tg_session=wrong' }), path).toBe(401);
    }
    const bearer = await login(relay);
    expect(await upgradeStatus(`${ws}/api/stream`, { authorization: `Bearer ${bearer}` })).toBe(101);
  });

  it('is not fooled by path tricks (encoding, case, dot segments, doubled or trailing slashes)', async () => {
    const { connect } = await import('node:net');
    const raw = (path: string) =>
      new Promise<string>((resolve) => {
        const s = connect(relay.port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
        let out = '';
        s.on('data', (d) => (out += d));
        s.on('end', () => resolve(out));
      });
    for (const p of ['/%61pi/status', '/api/%73tatus', '/API/status', '/api//status', '//api/status', '/api/status/', '/./api/status', '/health/../api/status', '/%2Fapi/status', '/metrics/', '/health/detailed/', '/api/events?after=0']) {
      const res = await raw(p);
      expect(res, p).toMatch(/^HTTP\/1\.1 (401|404) /);
      expect(res, p).not.toContain('"lastSeq"');
    }
  });

  it('serves /health without a credential, and /metrics with the relay token as bearer', async () => {
    expect((await fetch(`${relay.url}/health`)).status).toBe(200);
    const m = await fetch(`${relay.url}/metrics`, { headers: { authorization: `Bearer ${RELAY_TOKEN}` } });
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  });
});

describe('login and sessions', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startFakeRelay({ loginLimiter: new RateLimiter({ max: 5, windowMs: 60_000 }) });
  });
  afterAll(() => relay.close());

  const post = (token: unknown, extra: Record<string, string> = {}) => fetch(`${relay.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...extra }, body: JSON.stringify({ token }) });

  it('exchanges the one-time token once for an httpOnly SameSite=Strict cookie that then opens the API and the stream', async () => {
    const r = await post(relay.oneTimeToken);
    expect(r.status).toBe(200);
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^tg_session=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const session = cookie.split(';')[0];
    expect((await fetch(`${relay.url}/api/status`, { headers: { cookie: session } })).status).toBe(200);
    expect(await upgradeStatus(`${relay.url.replace('http', 'ws')}/api/stream`, { cookie: session })).toBe(101);
    // Used once: the same token is refused now.
    expect((await post(relay.oneTimeToken)).status).toBe(401);
    // Logging out ends the session.
    expect((await fetch(`${relay.url}/api/logout`, { method: 'POST', headers: { cookie: session } })).status).toBe(200);
    expect((await fetch(`${relay.url}/api/status`, { headers: { cookie: session } })).status).toBe(401);
  });

  it('names the field of a malformed login and never logs a token', async () => {
    const r = await fetch(`${relay.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token": 5}' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { field: string }).field).toBe('token');
    const all = relay.log.lines.join('\n');
    expect(all).not.toContain(RELAY_TOKEN);
    expect(all).not.toContain(relay.oneTimeToken);
  });

  it('limits login attempts per address: 429 with Retry-After after 5 a minute, even with the right token', async () => {
    const fresh = await startFakeRelay({ loginLimiter: new RateLimiter({ max: 5, windowMs: 60_000 }) });
    try {
      const p = (token: string) => fetch(`${fresh.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
      for (let i = 0; i < 5; i++) expect((await p(`wrong-${i}`)).status).toBe(401);
      const r = await p(RELAY_TOKEN);
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    } finally {
      await fresh.close();
    }
  });

  it('refuses foreign origins (requests and sockets) and answers the served origin', async () => {
    const bearer = await login(relay);
    const evil = await fetch(`${relay.url}/api/status`, { headers: { authorization: `Bearer ${bearer}`, origin: 'https://evil.example' } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const ws = relay.url.replace('http', 'ws');
    expect(await upgradeStatus(`${ws}/api/stream`, { authorization: `Bearer ${bearer}`, origin: 'https://evil.example' })).toBe(403);
    const own = `http://127.0.0.1:${relay.port}`;
    const ok = await fetch(`${relay.url}/api/status`, { headers: { authorization: `Bearer ${bearer}`, origin: own } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(own);
    const pre = await fetch(`${relay.url}/api/agents`, { method: 'OPTIONS', headers: { origin: own, 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
  });

  it('sends the security headers on API, health and static responses', async () => {
    for (const path of ['/health', '/api/status', '/index.html']) {
      const r = await fetch(relay.url + path);
      expect(r.headers.get('content-security-policy'), path).toBe(CSP);
      expect(CSP).toContain("frame-ancestors 'none'");
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(r.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('limits request bodies: 413 past 1 MB of JSON', async () => {
    const bearer = await login(relay);
    const h = api(relay, bearer);
    const big = JSON.stringify({ config: { id: 'x', name: 'y'.repeat(1_100_000) } });
    const r = await h.post('/api/agents', big, { 'content-type': 'application/json' });
    expect(r.status).toBe(413);
    expect(r.json.field).toBe('body');
  });
});
