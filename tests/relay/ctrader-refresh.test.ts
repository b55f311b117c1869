/**
 * One refresher per grant. The relay holds two connections to the same
 * cTrader account (Settings and the live workspace); when cTrader invalidates
 * their token at the same moment, both ask for a new one. The refresh token
 * is single-use (the fake token endpoint invalidates a used one), so exactly
 * one refresh may reach the endpoint, both connections must come back with
 * its token, and nobody is told to connect the account again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { openRelayTokens } from '../../relay/ctrader/relay-tokens.ts';
import { openLiveWorkspace, LIVE_TIMEFRAME_SETTING } from '../../relay/ops/live-workspace.ts';
import { CTRADER_ACCOUNT_SETTING, CTRADER_SYMBOLS_SETTING } from '../../relay/ctrader/account-manager.ts';
import type { LiveHost } from '../../workers/host/live-host.ts';
import { listenTls, selfSignedCert, type Listening } from '../ctrader/fake/listen.ts';
import { fakeTokenEndpoint, type FakeTokenEndpoint } from '../ctrader/fake/token-endpoint.ts';
import { ACCOUNT, CLIENT, TOKEN, fakeServer } from '../ctrader/helpers.ts';
import { api, login, startFakeRelay, testConfig, until, type TestRelay } from './helpers.ts';

describe('relay: the cTrader token refresh race', () => {
  let tls: Listening | null = null;
  let ep: FakeTokenEndpoint | null = null;
  let relay: TestRelay | null = null;
  let host: LiveHost | null = null;
  afterAll(async () => {
    await host?.stop();
    await relay?.close();
    await tls?.close();
    await ep?.close();
  });

  it('refreshes once for two connections refused at the same moment; both reconnect with the new token, no alert', async () => {
    const fake = fakeServer(() => Date.now());
    // A token the endpoint issues is one the fake cTrader accepts.
    ep = await fakeTokenEndpoint({ ...CLIENT, onIssue: (t) => void (fake.o.tokens[t] = { accounts: [ACCOUNT, ACCOUNT + 1] }) });
    ep.acceptRefresh('REFRESH-0');
    const pair = selfSignedCert();
    tls = await listenTls(fake, pair);
    const caFile = join(mkdtempSync(join(tmpdir(), 'tg-ca-')), 'ca.pem');
    writeFileSync(caFile, pair.cert);
    const at = `127.0.0.1:${tls.port}`;
    const config = { ...testConfig({ TG_CTRADER_DEMO_HOST: at, TG_CTRADER_LIVE_HOST: at, TG_CTRADER_CA_FILE: caFile, TG_CTRADER_TOKEN_URL: ep.url }), workspace: 'live' as const, ctrader: CLIENT };

    const store = createMemoryStore();
    const logs: string[] = [];
    const tokens = await openRelayTokens({ config, store, log: (l, m) => logs.push(`${l} tokens: ${m}`) });
    await tokens.store.put({ accessToken: TOKEN, refreshToken: 'REFRESH-0', expiresAt: Date.now() + 30 * 86_400_000 });
    await store.settings.put(CTRADER_ACCOUNT_SETTING, { accountId: ACCOUNT, live: false });
    await store.settings.put(CTRADER_SYMBOLS_SETTING, ['EURUSD']);
    await store.settings.put(LIVE_TIMEFRAME_SETTING, 'M1');

    host = await openLiveWorkspace({ config, store, tokens, log: (l, m) => logs.push(`${l} live: ${m}`) });
    relay = await startFakeRelay({ config, store, host: host as never, ctraderTokens: tokens });
    await host.start();
    const http = api(relay, await login(relay));
    // The Settings connection resumes the stored account when the relay starts.
    await until(async () => (await http.get('/api/ctrader/status')).json.health?.state === 'ready', 15_000, 'the Settings connection');
    const auths = () => fake.received.filter((m) => m.name === 'ProtoOAAccountAuthReq').map((m) => (m.payload as { accessToken: string }).accessToken);
    expect(auths()).toEqual([TOKEN, TOKEN]);

    // cTrader invalidates the token: both sessions hear it at once.
    fake.expireToken(TOKEN);
    await until(() => auths().filter((t) => t !== TOKEN).length >= 2, 15_000, 'both connections to authorise again');
    await until(async () => (await http.get('/api/ctrader/status')).json.health?.state === 'ready' && (await host!.status()).broker.connected, 15_000, 'both connections ready');

    const refreshes = ep.calls.filter((q) => q.get('grant_type') === 'refresh_token');
    expect(refreshes.map((q) => q.get('refresh_token'))).toEqual(['REFRESH-0']);
    const fresh = (await tokens.store.get())!.accessToken;
    expect(fresh).not.toBe(TOKEN);
    expect(auths().slice(2).filter((t) => t !== TOKEN)).toEqual([fresh, fresh]);
    const status = (await http.get('/api/ctrader/status')).json;
    expect(status.error).toBeUndefined();
    const all = [...logs, ...relay.log.lines].join('\n');
    expect(all).not.toMatch(/connect the account again|could not be refreshed/);
    expect(logs.filter((l) => l.startsWith('error'))).toEqual([]);
  }, 60_000);
});
