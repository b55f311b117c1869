/**
 * TG_WORKSPACE=live: the relay runs agents on the cTrader account chosen under
 * Settings > cTrader (the fake server over TLS here). An agent created through
 * the relay's API trades live M1 bars on the account; until the account is set
 * up, the workspace says which step is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { seededRandom } from '../../workers/util/seeded-random.ts';
import { openLiveWorkspace, LIVE_TIMEFRAME_SETTING } from '../../relay/ops/live-workspace.ts';
import { CTRADER_ACCOUNT_SETTING, CTRADER_SYMBOLS_SETTING, NO_TOKENS, NOT_CONFIGURED } from '../../relay/ctrader/account-manager.ts';
import { openRelayTokens } from '../../relay/ctrader/relay-tokens.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { createRedactor } from '../../relay/config/redact.ts';
import { startRelay, type RunningRelay } from '../../relay/ops/start-relay.ts';
import { loadModelNode } from '../../relay/host/node-host.ts';
import type { LiveHost } from '../../workers/host/live-host.ts';
import { listenTls, selfSignedCert, type Listening } from '../ctrader/fake/listen.ts';
import { ACCOUNT, CLIENT, TOKEN, liveStart, pump, until } from '../ctrader/helpers.ts';
import { RELAY_TOKEN, api, login, testConfig } from './helpers.ts';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 2, 10, 0);

describe('the relay running a live cTrader workspace', () => {
  let tls: Listening;
  let cert: { key: string; cert: string };
  let relay: RunningRelay | null = null;
  let host: LiveHost | null = null;
  beforeAll(() => {
    cert = selfSignedCert();
  });
  afterAll(async () => {
    await host?.stop();
    await relay?.close();
    await tls?.close();
  });

  // The test app's id and secret are not in cTrader's format, so they go in after the checks (as in ctrader-account.test.ts).
  // The relay reaches the fake through its settings: its host and its certificate as a private CA.
  const config = (env: Record<string, string> = {}) => ({ ...testConfig(env), workspace: 'live' as const, ctrader: CLIENT });
  const fakeAt = (port: number) => {
    const caFile = join(mkdtempSync(join(tmpdir(), 'tg-ca-')), 'ca.pem');
    writeFileSync(caFile, cert.cert);
    return { TG_CTRADER_DEMO_HOST: `127.0.0.1:${port}`, TG_CTRADER_LIVE_HOST: `127.0.0.1:${port}`, TG_CTRADER_CA_FILE: caFile };
  };
  const log = () => createMemoryLog(createRedactor(() => [RELAY_TOKEN, CLIENT.clientSecret, TOKEN]));

  it('says what is missing before the account is set up', async () => {
    // Without a cTrader application the relay starts, and the live workspace says what is missing (or Interactive Brokers can be picked).
    const noApp = await openLiveWorkspace({ config: testConfig({ TG_WORKSPACE: 'live' }), store: createMemoryStore(), tokens: await openRelayTokens({ config: testConfig({ TG_WORKSPACE: 'live' }), store: createMemoryStore() }), log: () => {} });
    await noApp.start();
    expect((await noApp.status()).feed.message).toContain(NOT_CONFIGURED);
    await noApp.stop();
    expect(() => testConfig({ TG_WORKSPACE: 'paper' })).toThrow(/TG_WORKSPACE: must be demo or live, got "paper"/);
    const store = createMemoryStore();
    const cfg = config();
    const idle = await openLiveWorkspace({ config: cfg, store, tokens: await openRelayTokens({ config: cfg, store }), log: () => {} });
    await idle.start();
    const st = await idle.status();
    expect(st.feed.state).toBe('error');
    expect(st.feed.message).toContain(NO_TOKENS);
    expect((await idle.command({ kind: 'emergency-stop' })).ok).toBe(false);
    await idle.stop();
  });

  it('trades an agent created through the API on the chosen account, and the API shows its position', async () => {
    const { time, fake, past, store } = await liveStart(T0);
    tls = await listenTls(fake, cert);
    const cfg = config(fakeAt(tls.port));
    // One grant for the live workspace and the Settings connection, on the test's clock.
    const tokens = await openRelayTokens({ config: cfg, store, clock: time, scheduler: time });
    // What Settings > cTrader left behind: tokens, the demo account, the symbols, the timeframe.
    await tokens.store.put({ accessToken: TOKEN, refreshToken: 'refresh-0001', expiresAt: T0 + 30 * 86_400_000 });
    await store.settings.put(CTRADER_ACCOUNT_SETTING, { accountId: ACCOUNT, live: false });
    await store.settings.put(CTRADER_SYMBOLS_SETTING, ['EURUSD']);
    await store.settings.put(LIVE_TIMEFRAME_SETTING, 'M1');
    time.advanceTo(T0 + 1000);
    fake.tick('EURUSD', T0 + 1000, past[past.length - 1].close, 0.00002);

    host = await openLiveWorkspace({ config: cfg, store, tokens, clock: time, scheduler: time, log: () => {} });
    const relayLog = log();
    relay = await startRelay({ config: cfg, store, host, log: relayLog, staticDir: null, loadModel: () => Promise.reject(new Error('no models here')), ctraderTokens: tokens });
    await host.start();
    await until(() => fake.received.some((m) => m.name === 'ProtoOASubscribeLiveTrendbarReq'), 'the live subscription');
    await pump(time);

    const http = api(relay, await login(relay));
    const st0 = (await http.get('/api/status')).json;
    expect(st0).toMatchObject({ mode: 'live', broker: { name: 'cTrader demo', connected: true }, feed: { state: 'running' } });
    const created = await http.post('/api/agents', { config: { id: 'live-sma', name: 'Live SMA', symbols: ['EURUSD'], timeframe: 'M1', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 2, slow: 5 } }, sizing: { kind: 'fixed', units: 10_000 }, maxPositionPct: 1e6, stopAtr: 3, targetAtr: 3, trailAtr: null, atrPeriod: 5 } });
    expect(created.status, JSON.stringify(created.json)).toBe(200);

    const rnd = seededRandom(5);
    let price = past[past.length - 1].close;
    for (let m = 0; m < 30 && fake.newOrders().length === 0; m++) {
      for (const s of [5_000, 30_000, 55_000]) {
        price = Math.round((price + (rnd() - 0.5) * 0.0008) * 1e5) / 1e5;
        time.advanceTo(T0 + m * MIN + s);
        fake.tick('EURUSD', T0 + m * MIN + s, price, 0.00002);
        await pump(time);
      }
      time.advanceTo(T0 + (m + 1) * MIN + 1000);
      fake.tick('EURUSD', T0 + (m + 1) * MIN + 1000, price, 0.00002);
      await pump(time);
    }
    const orders = fake.newOrders().map((o) => (o.payload as { clientOrderId: string }).clientOrderId);
    expect(orders.length).toBeGreaterThan(0);
    expect(orders[0]).toMatch(/^live-sma:EURUSD:\d+:E$/);
    await until(() => fake.openPositions().length > 0 || fake.newOrders().length > 1, 'the fill');
    await pump(time);
    const positions = (await http.get('/api/positions')).json.positions;
    expect(positions.length).toBe(fake.openPositions().length);
    expect(relayLog.lines.join('\n')).not.toContain(TOKEN);
  }, 60_000);
});
