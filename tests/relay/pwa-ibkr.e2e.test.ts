import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../browser/app-harness.ts';
import { launchChromium } from '../browser/chromium.ts';
import { FakeTws } from '../ibkr/fake-tws.ts';
import { startDemoRelay, testConfig, type TestRelay } from './helpers.ts';
import type { WorkspaceHost } from '../../workers/host/workspace-host.ts';

/** docs/screenshots with TRADEGUARD_SCREENSHOTS=docs (the README shows it), else the test's temp dir. */
const shots = () => (process.env.TRADEGUARD_SCREENSHOTS === 'docs' ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)) : dir);
let dir = tmpdir();

/**
 * Settings > Interactive Brokers in a real Chromium on the app a demo relay
 * serves, the relay talking to the fake TWS: what the page shows is what the
 * fake said, and what Save stores is what the relay then holds.
 */
describe('Settings > Interactive Brokers in the PWA attached to a relay', () => {
  let fake: FakeTws;
  let port: number;
  let relay: TestRelay & { host: WorkspaceHost };
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const dist = await buildApp();
    fake = new FakeTws({ accounts: ['DU111111', 'DU222222'], nextValidId: 5 });
    port = await fake.listen();
    dir = await mkdtemp(join(tmpdir(), 'tg-pwa-ibkr-'));
    relay = await startDemoRelay(36_000, { staticDir: dist, config: testConfig({ TG_IBKR_HOST: '127.0.0.1', TG_IBKR_PORT: String(port) }) });
    context = await launchChromium(join(dir, 'profile'));
    page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 1000 });
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await relay?.host.stop();
    await relay?.close();
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('checks the connection, picks an account, looks up GOOG and saves the live workspace onto IB', async () => {
    await page.goto(`${relay.url}/#login=${relay.oneTimeToken}`);
    await expect.poll(() => page.textContent('.engine-badge'), { timeout: 30_000 }).toContain('Engine: relay');
    await page.click('nav a[href="#/settings"]');
    const panel = page.locator('[data-panel="ibkr"]');
    await panel.locator('[data-input="ibkr-host"]').waitFor({ timeout: 30_000 });
    expect(await panel.locator('[data-ibkr-state]').getAttribute('data-ibkr-state')).toBe('not checked');

    // A preset first (the form follows it), then the fake's own port.
    await panel.locator('[data-port-preset="4002"]').click();
    expect(await panel.locator('[data-input="ibkr-port"]').inputValue()).toBe('4002');
    await panel.locator('[data-input="ibkr-host"]').fill('127.0.0.1');
    await panel.locator('[data-input="ibkr-port"]').fill(String(port));
    await panel.locator('[data-input="ibkr-client-id"]').fill('21');
    await panel.locator('[data-action="ibkr-check"]').click();
    const ok = panel.locator('[data-ibkr-check="ok"]');
    await ok.waitFor({ timeout: 15_000 });
    expect(await ok.textContent()).toBe(`Connected to TWS at 127.0.0.1:${port} as client id 21: server version 176, accounts DU111111, DU222222, market data type 1 (live) accepted.`);
    // The fake heard client id 21's startApi.
    expect(fake.received.some((m) => m.fields[0] === '71' && m.fields[2] === '21')).toBe(true);
    await expect.poll(() => panel.locator('[data-ibkr-state]').getAttribute('data-ibkr-state'), { timeout: 10_000 }).toBe('checked');

    await panel.locator('[data-input="ibkr-account"]').selectOption('DU222222');
    await panel.locator('input[name="ibkr-mdt"][value="3"]').check();
    expect(await panel.textContent()).toContain('15 to 20 minutes behind the market');

    await panel.locator('[data-input="ibkr-no-bar"]').fill('30');
    await panel.locator('[data-input="ibkr-symbol"]').fill('GOOG');
    await panel.locator('[data-action="ibkr-lookup"]').click();
    const found = panel.locator('[data-ibkr-lookup="ok"]');
    await found.waitFor({ timeout: 15_000 });
    expect(await found.textContent()).toContain('ALPHABET INC-CL C');
    expect(await found.locator('[data-conid="208813720"]').count()).toBe(1);
    expect(await found.textContent()).toContain('2024-01-02 04:00-20:00');
    await page.addStyleTag({ content: '.topbar { position: static !important; }' });
    await panel.screenshot({ path: join(shots(), 'ibkr-settings.png') });
    await found.locator('[data-action="ibkr-add"]').click();
    expect(await panel.locator('[data-ibkr-symbols] [data-symbol="GOOG"]').count()).toBe(1);

    // A symbol IB does not know: IB's own words.
    await panel.locator('[data-input="ibkr-symbol"]').fill('NOSUCH');
    await panel.locator('[data-action="ibkr-lookup"]').click();
    const failed = panel.locator('[data-ibkr-lookup="failed"]');
    await failed.waitFor({ timeout: 15_000 });
    expect(await failed.textContent()).toContain('IB 200: No security definition has been found for the request');

    await panel.locator('[data-input="ibkr-use-live"]').check();
    await panel.locator('[data-action="save-ibkr"]').click();
    const saved = panel.locator('[data-saved="ibkr"]');
    await saved.waitFor({ timeout: 10_000 });
    expect(await saved.textContent()).toBe('Saved. This relay runs the demo workspace; Interactive Brokers is used when it starts with TG_WORKSPACE=live.');
    expect(await relay.store.settings.get('ibkr.settings')).toEqual({ host: '127.0.0.1', port, clientId: 21, account: 'DU222222', marketDataType: 3, timeframe: 'M5', symbols: ['GOOG'], noBarMinutes: 30 });
    expect(await relay.store.settings.get('live.broker')).toBe('ibkr');
  }, 120_000);

  it('a port where nothing listens: the check says so in words, with the ports to try', async () => {
    const panel = page.locator('[data-panel="ibkr"]');
    await panel.locator('[data-input="ibkr-port"]').fill('1');
    await panel.locator('[data-action="ibkr-check"]').click();
    const bad = panel.locator('[data-ibkr-check="failed"]');
    await bad.waitFor({ timeout: 15_000 });
    expect(await bad.textContent()).toMatch(/^Check failed: .*cannot connect to TWS at 127\.0\.0\.1:1: connection refused.*TWS listens on 7497 \(paper\) or 7496 \(live\)/);
    await expect.poll(() => panel.locator('[data-ibkr-state]').getAttribute('data-ibkr-state'), { timeout: 10_000 }).toBe('failed');
  }, 60_000);
});
