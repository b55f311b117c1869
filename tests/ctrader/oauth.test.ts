import { afterEach, describe, expect, it } from 'vitest';
import { CTraderTokenManager, memoryTokenStore } from '../../relay/ctrader/tokens.ts';
import { ManualTime } from './helpers.ts';
import { fakeTokenEndpoint, type FakeTokenEndpoint } from './fake/token-endpoint.ts';

const CLIENT = { clientId: 'cid', clientSecret: 'client-secret-4f9a' };
const DAY = 86_400_000;

// The sign-in itself (/ctrader/connect, /ctrader/callback) is tested over the relay: tests/relay/ctrader-oauth.test.ts.
describe('cTrader token manager (relay)', () => {
  let ep: FakeTokenEndpoint | null = null;
  afterEach(async () => {
    await ep?.close();
    ep = null;
  });
  const refreshCalls = () => ep!.calls.filter((q) => q.get('grant_type') === 'refresh_token');

  it('refreshes before expiry and on demand, one call at a time (refresh tokens are single-use)', async () => {
    const time = new ManualTime(Date.UTC(2024, 0, 1));
    ep = await fakeTokenEndpoint(CLIENT);
    const store = memoryTokenStore({ accessToken: 'A0', refreshToken: 'R0', expiresAt: time.now() + 30 * DAY });
    const mgr = new CTraderTokenManager({ ...CLIENT, tokenUrl: ep.url, store, clock: time, scheduler: time });
    await expect(mgr.accessToken()).resolves.toBe('A0');
    // R0 was never issued by this endpoint: the refresh fails and says what to do.
    await expect(mgr.refresh('x')).rejects.toThrow(/refreshing the cTrader token failed \(invalid_grant: refresh token used\): the code or refresh token is no longer valid: connect the account again/);
    ep.acceptRefresh('R1');
    await store.put({ accessToken: 'A0', refreshToken: 'R1', expiresAt: time.now() + 30 * DAY });
    // cTrader said the token is invalid: two callers at once share one refresh.
    const [a, b] = await Promise.all([mgr.refresh('token invalidated'), mgr.refresh('token invalidated')]);
    expect(a).toMatch(/^ACCESS-1-/);
    expect(b).toBe(a);
    expect(refreshCalls().filter((q) => q.get('refresh_token') === 'R1')).toHaveLength(1);
    // Close to expiry, the scheduled check refreshes by itself.
    const before = ep.calls.length;
    time.advanceTo(time.now() + 29.5 * DAY);
    const stored = async () => (await store.get())!.accessToken;
    for (let i = 0; i < 500 && !/^ACCESS-2-/.test(await stored()); i++) await new Promise((r) => setTimeout(r, 10));
    expect(await stored()).toMatch(/^ACCESS-2-/);
    expect(ep.calls.length).toBe(before + 1);
    mgr.stop();
  });

  it('gives a connection whose token is refused after another connection refreshed the newer token, without spending the refresh token again', async () => {
    const time = new ManualTime(Date.UTC(2024, 0, 1));
    ep = await fakeTokenEndpoint(CLIENT);
    ep.acceptRefresh('R0');
    const store = memoryTokenStore({ accessToken: 'A0', refreshToken: 'R0', expiresAt: time.now() + 30 * DAY });
    const mgr = new CTraderTokenManager({ ...CLIENT, tokenUrl: ep.url, store, clock: time, scheduler: time });
    const settings = mgr.forConnection();
    const live = mgr.forConnection();
    expect([await settings.accessToken(), await live.accessToken()]).toEqual(['A0', 'A0']);
    const fresh = await settings.refresh('CH_ACCESS_TOKEN_INVALID');
    // cTrader then invalidates A0 on the other connection: it takes the new token, no second refresh.
    await expect(live.refresh('token was refreshed')).resolves.toBe(fresh);
    expect(refreshCalls()).toHaveLength(1);
    // Both refused at the same moment: one call, both get its token.
    const [x, y] = await Promise.all([settings.refresh('CH_ACCESS_TOKEN_INVALID'), live.refresh('CH_ACCESS_TOKEN_INVALID')]);
    expect(x).toBe(y);
    expect(x).not.toBe(fresh);
    expect(refreshCalls()).toHaveLength(2);
    mgr.stop();
  });
});
