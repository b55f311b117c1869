import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../browser/app-harness.ts';
import { launchChromium } from '../browser/chromium.ts';
import { CTRADER_ACCOUNT_SETTING, CTRADER_SYMBOLS_SETTING } from '../../relay/ctrader/account-manager.ts';
import { openRelayTokens } from '../../relay/ctrader/relay-tokens.ts';
import { openLiveWorkspace, LIVE_TIMEFRAME_SETTING } from '../../relay/ops/live-workspace.ts';
import { startRelay, type RunningRelay } from '../../relay/ops/start-relay.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { RAMP_SETTING } from '../../workers/ramp/plan.ts';
import type { LiveHost } from '../../workers/host/live-host.ts';
import { seededRandom } from '../../workers/util/seeded-random.ts';
import { listenTls, selfSignedCert, type Listening } from '../ctrader/fake/listen.ts';
import { ACCOUNT, CLIENT, TOKEN, liveStart, pump } from '../ctrader/helpers.ts';
import { api, login, testConfig } from './helpers.ts';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 2, 10, 0);

/**
 * The last step of the path in the real app: a relay running a live cTrader
 * workspace (the fake server over TLS, on the test's clock), an agent promoted
 * from paper to live through the API with the override its red gates need,
 * and the PWA attached to the relay showing it LIVE on its card with its
 * capital ramp: the stage, its share of the capital and what it waits for.
 * The picture goes to docs/screenshots with TRADEGUARD_SCREENSHOTS=docs.
 */
describe('a live agent on its capital ramp, in the PWA attached to a live relay', () => {
  let tls: Listening;
  let relay: RunningRelay;
  let host: LiveHost;
  let context: BrowserContext;
  let page: Page;
  let profile: string;

  beforeAll(async () => {
    const dist = await buildApp();
    const cert = selfSignedCert();
    const { time, fake, past, store } = await liveStart(T0);
    tls = await listenTls(fake, cert);
    const caFile = join(mkdtempSync(join(tmpdir(), 'tg-ca-')), 'ca.pem');
    writeFileSync(caFile, cert.cert);
    const cfg = { ...testConfig({ TG_CTRADER_DEMO_HOST: `127.0.0.1:${tls.port}`, TG_CTRADER_LIVE_HOST: `127.0.0.1:${tls.port}`, TG_CTRADER_CA_FILE: caFile }), workspace: 'live' as const, ctrader: CLIENT };
    const tokens = await openRelayTokens({ config: cfg, store, clock: time, scheduler: time });
    await tokens.store.put({ accessToken: TOKEN, refreshToken: 'refresh-0001', expiresAt: T0 + 30 * 86_400_000 });
    await store.settings.put(CTRADER_ACCOUNT_SETTING, { accountId: ACCOUNT, live: false });
    await store.settings.put(CTRADER_SYMBOLS_SETTING, ['EURUSD']);
    await store.settings.put(LIVE_TIMEFRAME_SETTING, 'M1');
    // A plan whose first stage can trade this small account.
    await store.settings.put(RAMP_SETTING, { stagesPct: [25, 50, 100], minDays: 7, minTrades: 0 });
    time.advanceTo(T0 + 1000);
    fake.tick('EURUSD', T0 + 1000, past[past.length - 1].close, 0.00002);
    host = await openLiveWorkspace({ config: cfg, store, tokens, clock: time, scheduler: time, log: () => {} });
    relay = await startRelay({ config: cfg, store, host, log: createMemoryLog(), staticDir: dist, loadModel: () => Promise.reject(new Error('no models here')), ctraderTokens: tokens });
    await host.start();
    await pump(time);

    const http = api(relay, await login(relay));
    const created = await http.post('/api/agents', { config: { id: 'live-sma', name: 'Live SMA', symbols: ['EURUSD'], timeframe: 'M1', mode: 'paper', alpha: { kind: 'rule', strategy: 'sma-cross', params: { fast: 2, slow: 5 } }, sizing: { kind: 'fixed', units: 10_000 }, maxPositionPct: 1e6, stopAtr: 3, targetAtr: 3, trailAtr: null, atrPeriod: 5 } });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    const live = await http.post('/api/agents/live-sma/mode', { mode: 'live', override: { reason: 'e2e: the ramp on a fake account' } });
    expect(live.status, JSON.stringify(live.json)).toBe(200);
    // Some minutes of live bars: the ramp starts at the first close after going live.
    const rnd = seededRandom(5);
    let price = past[past.length - 1].close;
    for (let m = 0; m < 6; m++) {
      for (const s of [5_000, 30_000, 55_000]) {
        price = Math.round((price + (rnd() - 0.5) * 0.0008) * 1e5) / 1e5;
        time.advanceTo(T0 + m * MIN + s);
        fake.tick('EURUSD', T0 + m * MIN + s, price, 0.00002);
        await pump(time);
      }
    }
    profile = await mkdtemp(join(tmpdir(), 'tradeguard-chromium-'));
    context = await launchChromium(profile);
    page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await host?.stop();
    await relay?.close();
    await tls?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('shows the agent LIVE, on the first stage of its ramp, with what the stage waits for', async () => {
    await page.goto(`${relay.url}/#login=${relay.oneTimeToken}`);
    await expect.poll(() => page.textContent('.engine-badge'), { timeout: 30_000 }).toContain('Engine: relay');
    await page.click('nav a[href="#/agents"]');
    const card = page.locator('[data-agent-card="live-sma"]');
    await card.waitFor({ timeout: 30_000 });
    expect(await card.locator('[data-agent-mode]').getAttribute('data-agent-mode')).toBe('live');
    const ramp = card.locator('[data-ramp="live-sma"]');
    await ramp.waitFor({ timeout: 30_000 });
    expect(await ramp.getAttribute('data-ramp-stage')).toBe('1');
    expect(await ramp.getAttribute('data-ramp-fraction')).toBe('25');
    expect(await ramp.locator('[data-ramp-next]').textContent()).toMatch(/\S/);
    const dir = process.env.TRADEGUARD_SCREENSHOTS === 'docs' ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)) : profile;
    const style = await page.addStyleTag({ content: '.topbar { position: static !important; }' });
    await card.screenshot({ path: join(dir, 'agent-live-ramp.png') });
    await style.evaluate((s) => (s as Element).remove());
  }, 90_000);
});
