import { describe, expect, it } from 'vitest';
import { createCTraderOAuthApp } from '../../relay/ctrader/oauth.ts';
import { CTraderTokenManager, memoryTokenStore } from '../../relay/ctrader/tokens.ts';
import { ManualTime } from './helpers.ts';

const SECRET = 'client-secret-4f9a';
const DAY = 86_400_000;

/** A fake cTrader token endpoint: authorization codes and single-use refresh tokens. */
function tokenEndpoint(now: () => number) {
  const calls: URL[] = [];
  const codes = new Set(['CODE-1']);
  const refreshTokens = new Set<string>();
  let n = 0;
  const issue = () => {
    n++;
    refreshTokens.add(`R${n}`);
    return { accessToken: `A${n}`, tokenType: 'bearer', expiresIn: 2_628_000, refreshToken: `R${n}` };
  };
  const fetchFn = (async (input: URL | string) => {
    const url = new URL(String(input));
    calls.push(url);
    const q = url.searchParams;
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (q.get('client_id') !== 'cid' || q.get('client_secret') !== SECRET) return json(401, { errorCode: 'ACCESS_DENIED', description: 'bad client' });
    if (q.get('grant_type') === 'authorization_code') {
      if (q.get('redirect_uri') !== 'https://relay.test/ctrader/callback' || !codes.delete(q.get('code')!)) return json(400, { errorCode: 'invalid_grant', description: 'code expired' });
      return json(200, issue());
    }
    if (q.get('grant_type') === 'refresh_token') {
      if (!refreshTokens.delete(q.get('refresh_token')!)) return json(400, { errorCode: 'invalid_grant', description: 'refresh token used' });
      return json(200, issue());
    }
    return json(400, { errorCode: 'unsupported_grant_type' });
  }) as typeof fetch;
  void now;
  return { fetchFn, calls };
}

describe('cTrader OAuth (relay)', () => {
  it('redirects to consent, exchanges the code, stores the tokens and shows neither secret nor token', async () => {
    const store = memoryTokenStore();
    const ep = tokenEndpoint(Date.now);
    const logs: string[] = [];
    let connected = 0;
    const app = createCTraderOAuthApp({ clientId: 'cid', clientSecret: SECRET, redirectUri: 'https://relay.test/ctrader/callback', tokenStore: store, tokenUrl: 'https://fake.test/apps/token', fetch: ep.fetchFn, log: (_l, m) => logs.push(m), onConnected: () => connected++ });
    const r = await app.request('/connect');
    expect(r.status).toBe(302);
    const to = new URL(r.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe('https://openapi.ctrader.com/apps/auth');
    expect(to.searchParams.get('client_id')).toBe('cid');
    expect(to.searchParams.get('redirect_uri')).toBe('https://relay.test/ctrader/callback');
    expect(to.searchParams.get('scope')).toBe('trading');
    expect(to.toString()).not.toContain(SECRET);
    const state = to.searchParams.get('state')!;

    const ok = await app.request(`/callback?code=CODE-1&state=${state}`);
    const html = await ok.text();
    expect(ok.status).toBe(200);
    expect(html).toContain('cTrader connected');
    expect(html).not.toMatch(/A1|R1|client-secret/);
    expect(await store.get()).toMatchObject({ accessToken: 'A1', refreshToken: 'R1' });
    expect(connected).toBe(1);

    // A replayed callback (same state) and a wrong code are refused with what to do.
    const replay = await app.request(`/callback?code=CODE-1&state=${state}`);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('expired');
    const r2 = await app.request('/connect');
    const state2 = new URL(r2.headers.get('location')!).searchParams.get('state');
    const bad = await app.request(`/callback?code=WRONG&state=${state2}`);
    expect(bad.status).toBe(502);
    expect(await bad.text()).toContain('invalid_grant: code expired');
    expect(logs.join('\n')).not.toMatch(/A1|R1|client-secret/);
    const denied = await app.request('/callback?error=access_denied');
    expect(denied.status).toBe(400);
  });

  it('refreshes before expiry and on demand, one call at a time (refresh tokens are single-use)', async () => {
    const time = new ManualTime(Date.UTC(2024, 0, 1));
    const ep = tokenEndpoint(() => time.now());
    const store = memoryTokenStore({ accessToken: 'A0', refreshToken: 'R0', expiresAt: time.now() + 30 * DAY });
    const mgr = new CTraderTokenManager({ clientId: 'cid', clientSecret: SECRET, tokenUrl: 'https://fake.test/apps/token', fetch: ep.fetchFn, store, clock: time, scheduler: time });
    await expect(mgr.accessToken()).resolves.toBe('A0');
    // R0 was never issued by this endpoint: the refresh fails and says what to do.
    await expect(mgr.refresh('x')).rejects.toThrow(/refreshing the cTrader token failed \(invalid_grant: refresh token used\): the code or refresh token is no longer valid: connect the account again/);
    await store.put({ accessToken: 'A0', refreshToken: 'R1', expiresAt: time.now() + 30 * DAY });
    const issued = await ep.fetchFn(new URL(`https://fake.test/apps/token?grant_type=authorization_code&code=CODE-1&redirect_uri=${encodeURIComponent('https://relay.test/ctrader/callback')}&client_id=cid&client_secret=${SECRET}`));
    expect(((await issued.json()) as { refreshToken: string }).refreshToken).toBe('R1');
    // cTrader said the token is invalid: two callers at once share one refresh.
    const [a, b] = await Promise.all([mgr.refresh('token invalidated'), mgr.refresh('token invalidated')]);
    expect(a).toBe('A2');
    expect(b).toBe('A2');
    expect(ep.calls.filter((u) => u.searchParams.get('grant_type') === 'refresh_token' && u.searchParams.get('refresh_token') === 'R1')).toHaveLength(1);
    // Close to expiry, the scheduled check refreshes by itself.
    const before = ep.calls.length;
    time.advanceTo(time.now() + 29.5 * DAY);
    await new Promise((r) => setTimeout(r, 10));
    expect(ep.calls.length).toBe(before + 1);
    expect((await store.get())!.accessToken).toBe('A3');
    mgr.stop();
  });
});
