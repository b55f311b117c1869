import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CTRADER_ACCOUNT_SETTING, CTRADER_SYMBOLS_SETTING, NOT_CONFIGURED, NO_TOKENS } from '../../relay/ctrader/account-manager.ts';
import { listenTls, selfSignedCert, type Listening } from '../ctrader/fake/listen.ts';
import { ACCOUNT, CLIENT, TOKEN, fakeServer } from '../ctrader/helpers.ts';
import { api, login, startFakeRelay, testConfig, until, type TestRelay } from './helpers.ts';

const REFRESH = 'REFRESH-token-0001-zyxwvu';
const ROUTES: [string, string][] = [
  ['GET', '/api/ctrader/status'],
  ['GET', '/api/ctrader/accounts'],
  ['POST', '/api/ctrader/account'],
  ['GET', '/api/ctrader/symbols'],
  ['POST', '/api/ctrader/symbols'],
];

// The relay's Settings cTrader account over real HTTP, against the fake cTrader over TLS on loopback.
describe('relay: cTrader account settings API', () => {
  let tls: Listening;
  let relay: TestRelay;
  let bare: TestRelay;
  let call: ReturnType<typeof api>;
  /** Every response body, to prove no secret ever left the relay. */
  const bodies: string[] = [];
  const record = async (p: ReturnType<typeof api>['call'] extends (...a: infer A) => infer R ? R : never) => {
    const r = await p;
    bodies.push(typeof r.json === 'string' ? r.json : JSON.stringify(r.json));
    return r;
  };
  const get = (path: string) => record(call.get(path));
  const post = (path: string, body?: unknown, h?: Record<string, string>) => record(call.post(path, body, h));

  beforeAll(async () => {
    const pair = selfSignedCert();
    tls = await listenTls(fakeServer(() => Date.now()), pair);
    // The fake's certificate is trusted as a private CA, as a sandbox or proxy's would be.
    const caFile = join(mkdtempSync(join(tmpdir(), 'tg-ca-')), 'ca.pem');
    writeFileSync(caFile, pair.cert);
    const at = `127.0.0.1:${tls.port}`;
    // CLIENT's test id and secret are not in cTrader's real format, so they go into the config after it was checked.
    const config = { ...testConfig({ TG_CTRADER_DEMO_HOST: at, TG_CTRADER_LIVE_HOST: at, TG_CTRADER_CA_FILE: caFile }), ctrader: { ...CLIENT } };
    relay = await startFakeRelay({ config });
    bare = await startFakeRelay();
    call = api(relay, await login(relay));
  }, 30_000);

  afterAll(async () => {
    await relay?.close();
    await bare?.close();
    await tls?.close();
  });

  it('requires a session on every route', async () => {
    for (const [method, path] of ROUTES) {
      const r = await fetch(relay.url + path, { method, headers: method === 'POST' ? { 'content-type': 'application/json' } : {}, body: method === 'POST' ? '{}' : undefined });
      bodies.push(await r.text());
      expect(r.status, `${method} ${path}`).toBe(401);
    }
  });

  it('says when no cTrader application is configured', async () => {
    const b = api(bare, await login(bare));
    const s = await record(b.get('/api/ctrader/status'));
    expect(s.status).toBe(200);
    expect(s.json).toMatchObject({ configured: false, account: null, health: null });
    const a = await record(b.get('/api/ctrader/accounts'));
    expect(a.status).toBe(409);
    expect(a.json.error).toBe(NOT_CONFIGURED);
  });

  it('refuses with 409 and the next step before any token was granted', async () => {
    const s = await get('/api/ctrader/status');
    expect(s.json).toEqual({ configured: true, hasTokens: false, account: null, health: null });
    for (const r of [await get('/api/ctrader/accounts'), await post('/api/ctrader/account', { accountId: ACCOUNT, live: false })]) {
      expect(r.status).toBe(409);
      expect(r.json.error).toBe(NO_TOKENS);
    }
    expect(NO_TOKENS).toContain('connect your cTrader account first: Settings > cTrader > Connect');
  });

  it('lists the accounts the stored token grants', async () => {
    await relay.deps.ctrader!.tokenStore.put({ accessToken: TOKEN, refreshToken: REFRESH, expiresAt: Date.now() + 30 * 86_400_000 });
    const s = await get('/api/ctrader/status');
    expect(s.json).toMatchObject({ configured: true, hasTokens: true, account: null, health: null });
    const r = await get('/api/ctrader/accounts');
    expect(r.status).toBe(200);
    expect(r.json.accounts).toEqual([
      { id: ACCOUNT, live: false, login: 900001 },
      { id: ACCOUNT + 1, live: true, login: 900002 },
    ]);
  });

  it('names the field at fault in a bad connect request', async () => {
    const cases: [unknown, string][] = [
      [{}, 'accountId'],
      [{ accountId: 'abc', live: false }, 'accountId'],
      [{ accountId: 1.5, live: false }, 'accountId'],
      [{ accountId: ACCOUNT }, 'live'],
      [{ accountId: ACCOUNT, live: 'no' }, 'live'],
      [[1, 2], 'body'],
      [{ accountId: 99, live: false }, 'accountId'],
      [{ accountId: ACCOUNT, live: true }, 'live'],
    ];
    for (const [body, field] of cases) {
      const r = await post('/api/ctrader/account', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.field, JSON.stringify(body)).toBe(field);
    }
    const notJson = await post('/api/ctrader/account', 'accountId=1', { 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    expect(notJson.json.field).toBe('body');
  });

  it('has no symbols before an account is connected', async () => {
    const r = await get('/api/ctrader/symbols');
    expect(r.status).toBe(409);
    expect(r.json.error).toMatch(/no cTrader account is connected/);
  });

  it('connects a demo account and reports its health', async () => {
    const r = await post('/api/ctrader/account', { accountId: ACCOUNT, live: false });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toMatchObject({ configured: true, hasTokens: true, account: { id: ACCOUNT, live: false, login: 900001 }, health: { state: 'ready' } });
    expect(r.json.health.lastMessageAt).toBeGreaterThan(Date.now() - 60_000);
    expect(r.json.health.latencyMs).toBeGreaterThanOrEqual(0);
    expect(r.json.error).toBeUndefined();
    expect(await relay.store.settings.get(CTRADER_ACCOUNT_SETTING)).toEqual({ accountId: ACCOUNT, live: false });
    const s = await get('/api/ctrader/status');
    expect(s.json).toMatchObject({ account: { id: ACCOUNT, live: false }, health: { state: 'ready' } });
  });

  it('lists the symbols with their details in units and lots', async () => {
    const r = await get('/api/ctrader/symbols');
    expect(r.status).toBe(200);
    expect(r.json.selected).toEqual([]);
    expect(r.json.symbols.map((s: { name: string }) => s.name)).toEqual(['AUDUSD', 'EURUSD', 'GBPUSD', 'USDCHF', 'USDJPY']);
    const eur = r.json.symbols.find((s: { name: string }) => s.name === 'EURUSD');
    expect(eur).toEqual({ symbolId: 1, name: 'EURUSD', digits: 5, pipPosition: 4, lotSize: 100_000, minVolume: 1000, stepVolume: 1000, maxVolume: 100_000_000, minLots: 0.01, stepLots: 0.01 });
    expect(r.json.symbols.find((s: { name: string }) => s.name === 'USDJPY')).toMatchObject({ digits: 3, pipPosition: 2 });
  });

  it('stores the picked symbols and checks them', async () => {
    const r = await post('/api/ctrader/symbols', { symbols: ['EURUSD', 'USDJPY', 'EURUSD'] });
    expect(r.status).toBe(200);
    expect(r.json.selected).toEqual(['EURUSD', 'USDJPY']);
    expect(await relay.store.settings.get(CTRADER_SYMBOLS_SETTING)).toEqual(['EURUSD', 'USDJPY']);
    expect((await get('/api/ctrader/symbols')).json.selected).toEqual(['EURUSD', 'USDJPY']);
    for (const body of [{}, { symbols: 'EURUSD' }, { symbols: [1] }, { symbols: ['EUR USD'] }]) {
      const bad = await post('/api/ctrader/symbols', body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.json.field).toBe('symbols');
    }
  });

  it('switches to the live account on one connection', async () => {
    const r = await post('/api/ctrader/account', { accountId: ACCOUNT + 1, live: true });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toMatchObject({ account: { id: ACCOUNT + 1, live: true, login: 900002 }, health: { state: 'ready' } });
    expect(await relay.store.settings.get(CTRADER_ACCOUNT_SETTING)).toEqual({ accountId: ACCOUNT + 1, live: true });
    expect((await get('/api/ctrader/symbols')).json.symbols).toHaveLength(5);
  });

  it('reconnects the stored account when the relay starts again', async () => {
    const again = await startFakeRelay({ config: relay.deps.config, store: relay.store });
    try {
      const b = api(again, await login(again));
      await until(async () => (await b.get('/api/ctrader/status')).json.health?.state === 'ready', 10_000, 'the stored account to reconnect');
      const s = await record(b.get('/api/ctrader/status'));
      expect(s.json).toMatchObject({ account: { id: ACCOUNT + 1, live: true }, health: { state: 'ready' } });
      bodies.push(...again.log.lines);
    } finally {
      await again.close();
    }
  });

  it('never shows the client secret or a token in a response or the log', () => {
    const all = [...bodies, ...relay.log.lines, ...bare.log.lines].join('\n');
    expect(bodies.length).toBeGreaterThan(20);
    expect(relay.log.lines.some((l) => l.includes('ctrader:'))).toBe(true);
    for (const secret of [CLIENT.clientSecret, TOKEN, REFRESH]) expect(all).not.toContain(secret);
  });
});
