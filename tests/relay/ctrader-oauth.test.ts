/**
 * The cTrader OAuth sign-in over real HTTP: the relay's /ctrader/connect and
 * /ctrader/callback against a fake token endpoint (TG_CTRADER_TOKEN_URL) that
 * records every call. A callback is honoured only with the state the relay
 * issued, once, within its lifetime, from the browser and session that
 * started it; every refusal is a page that says why, and no code is exchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { STATE_TTL_MS } from '../../relay/ctrader/oauth.ts';
import { RateLimiter } from '../../relay/server/auth/rate-limit.ts';
import { CLIENT } from '../ctrader/helpers.ts';
import { fakeTokenEndpoint, type FakeTokenEndpoint } from '../ctrader/fake/token-endpoint.ts';
import { RELAY_TOKEN, login, startFakeRelay, testConfig, type TestRelay } from './helpers.ts';

describe('relay: cTrader OAuth sign-in', () => {
  let ep: FakeTokenEndpoint;
  let relay: TestRelay;
  let clock = Date.UTC(2024, 0, 2, 10, 0);

  beforeAll(async () => {
    ep = await fakeTokenEndpoint(CLIENT);
    // The test app's id and secret are not in cTrader's format, so they go in after the checks.
    const config = { ...testConfig({ TG_CTRADER_TOKEN_URL: ep.url, TG_CTRADER_AUTH_URL: 'https://sandbox-auth.example/apps/auth' }), ctrader: CLIENT };
    relay = await startFakeRelay({ config, now: () => clock, loginLimiter: new RateLimiter({ max: 1000, windowMs: 60_000 }) });
  });
  afterAll(async () => {
    await relay?.close();
    await ep?.close();
  });

  const exchanges = () => ep.calls.filter((q) => q.get('grant_type') === 'authorization_code').length;

  /** Starts a sign-in as a logged-in browser: the state cTrader will send back, and the browser's flow cookie. */
  async function start(bearer: string): Promise<{ state: string; cookie: string; location: URL }> {
    const r = await fetch(`${relay.url}/ctrader/connect`, { redirect: 'manual', headers: { authorization: `Bearer ${bearer}` } });
    expect(r.status).toBe(302);
    const location = new URL(r.headers.get('location')!);
    const set = r.headers.get('set-cookie')!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    expect(set).toMatch(/Path=\/ctrader\/callback/i);
    return { state: location.searchParams.get('state')!, cookie: set.split(';')[0], location };
  }

  async function callback(query: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    const r = await fetch(`${relay.url}/ctrader/callback?${query}`, { headers });
    return { status: r.status, text: await r.text() };
  }

  /** A GET with the Host header a browser would send for another name of this machine (fetch cannot set Host). */
  function viaHost(host: string, path: string, bearer: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: relay.port, path, headers: { host, authorization: `Bearer ${bearer}` } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('sends a logged-in browser to the configured consent page with a state; the relay token alone has no session to bind it to', async () => {
    const bearer = await login(relay);
    const { location, state } = await start(bearer);
    expect(`${location.origin}${location.pathname}`).toBe('https://sandbox-auth.example/apps/auth');
    expect(location.searchParams.get('redirect_uri')).toBe(`${relay.url}/ctrader/callback`);
    expect(state.length).toBeGreaterThanOrEqual(32);
    expect(location.toString()).not.toContain(CLIENT.clientSecret);
    // Reached as localhost, the relay's callback is 127.0.0.1: the flow cookie would not come back, so it says where to connect from.
    const elsewhere = await viaHost(`localhost:${relay.port}`, '/ctrader/connect', bearer);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.text).toContain(`Open the relay at ${relay.url}`);
    const asToken = await fetch(`${relay.url}/ctrader/connect`, { redirect: 'manual', headers: { authorization: `Bearer ${RELAY_TOKEN}` } });
    expect(asToken.status).toBe(401);
    expect(await asToken.text()).toContain('Log in first');
  });

  it('refuses a callback without state, with an unknown state, or with the state of another session, and exchanges no code', async () => {
    ep.issueCode('CODE-A');
    const a = await start(await login(relay));
    const bearerB = await login(relay);
    const b = await start(bearerB);

    const none = await callback('code=CODE-A');
    expect(none.status).toBe(400);
    expect(none.text).toContain('Sign-in answer without its state');
    const unknown = await callback('code=CODE-A&state=forged-state', { cookie: a.cookie });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('Unknown sign-in');
    // A's state in B's browser, with B's login, or with no browser cookie at all.
    const others: Record<string, string>[] = [{ cookie: b.cookie }, { authorization: `Bearer ${bearerB}` }, { authorization: `Bearer ${bearerB}`, cookie: a.cookie }, {}];
    for (const headers of others) {
      const other = await callback(`code=CODE-A&state=${a.state}`, headers);
      expect(other.status, JSON.stringify(headers)).toBe(403);
      expect(other.text).toContain('This sign-in belongs to another login');
    }
    expect(exchanges()).toBe(0);

    // Refusals do not spend A's sign-in: A's browser still finishes it.
    const ok = await callback(`code=CODE-A&state=${a.state}`, { cookie: a.cookie });
    expect(ok.status, ok.text).toBe(200);
    expect(exchanges()).toBe(1);
  });

  it('connects once: the code is exchanged, the tokens stored and shown nowhere; the same state again is refused', async () => {
    ep.issueCode('CODE-1');
    const before = exchanges();
    const s = await start(await login(relay));
    const ok = await callback(`code=CODE-1&state=${s.state}`, { cookie: s.cookie });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.text).toContain('cTrader connected');
    expect(exchanges()).toBe(before + 1);
    const call = ep.calls.at(-1)!;
    expect(call.get('code')).toBe('CODE-1');
    expect(call.get('redirect_uri')).toBe(`${relay.url}/ctrader/callback`);
    const stored = await relay.deps.ctrader!.tokenStore.get();
    expect(stored?.accessToken).toMatch(/fake-access-token$/);
    expect(ok.text).not.toContain(stored!.accessToken);
    expect(ok.text).not.toContain(stored!.refreshToken);
    expect(ok.text).not.toContain(CLIENT.clientSecret);

    ep.issueCode('CODE-2');
    const again = await callback(`code=CODE-2&state=${s.state}`, { cookie: s.cookie });
    expect(again.status).toBe(400);
    expect(again.text).toContain('This sign-in link was already used');
    expect(exchanges()).toBe(before + 1);
  });

  it('refuses a state past its lifetime on the relay clock, and one whose login has ended', async () => {
    ep.issueCode('CODE-3');
    const before = exchanges();
    const late = await start(await login(relay));
    clock += STATE_TTL_MS + 1000;
    const expired = await callback(`code=CODE-3&state=${late.state}`, { cookie: late.cookie });
    expect(expired.status).toBe(400);
    expect(expired.text).toContain('This sign-in link has expired');

    const bearer = await login(relay);
    const s = await start(bearer);
    await fetch(`${relay.url}/api/logout`, { method: 'POST', headers: { authorization: `Bearer ${bearer}` } });
    const ended = await callback(`code=CODE-3&state=${s.state}`, { cookie: s.cookie });
    expect(ended.status).toBe(403);
    expect(ended.text).toContain('The login that started this sign-in has ended');
    expect(exchanges()).toBe(before);
    expect(relay.log.lines.join('\n')).toContain('cTrader sign-in refused');
  });
});
