import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { buildApp } from '../browser/app-harness.ts';
import { launchChromium } from '../browser/chromium.ts';
import { startDemoRelay, type TestRelay } from './helpers.ts';
import type { WorkspaceHost } from '../../workers/host/workspace-host.ts';

/**
 * Attached to a relay, the cockpit shows what is true there: the workspace
 * lives on the relay, so no "ready to work offline" promise and no browser
 * storage meter; Settings names the relay it is attached to instead of an
 * empty address form; and cTrader's access line points to a Connect button
 * only when one is on the page.
 */
describe('the PWA attached to a relay says so', () => {
  let relay: TestRelay & { host: WorkspaceHost };
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  beforeAll(async () => {
    const dist = await buildApp();
    relay = await startDemoRelay(36_000, { staticDir: dist });
    profile = await mkdtemp(join(tmpdir(), 'tradeguard-chromium-'));
    context = await launchChromium(profile);
    page = await context.newPage();
  }, 300_000);
  afterAll(async () => {
    await context?.close();
    await relay?.host.stop();
    await relay?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('no "ready to work offline" and no browser storage meter: the data is on the relay', async () => {
    await page.goto(`${relay.url}/#login=${relay.oneTimeToken}`);
    await expect.poll(() => page.textContent('.engine-badge'), { timeout: 30_000 }).toContain('Engine: relay');
    // The service worker did install (the moment the standalone app says "ready to work offline").
    expect(await page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.active?.state ?? 'none'))).toMatch(/activat/);
    await page.waitForTimeout(1500);
    expect(await page.locator('[data-offline-ready]').count()).toBe(0);
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(await page.locator('[data-storage]').getAttribute('data-storage')).toBe('relay');
    expect(await page.textContent('[data-storage]')).toBe('data on the relay');
  }, 60_000);

  it('Settings names the relay it is attached to, with no empty address form', async () => {
    await page.click('nav a[href="#/settings"]');
    const attached = page.locator('[data-relay-attached]');
    await attached.waitFor({ timeout: 30_000 });
    expect(await attached.locator('[data-relay-origin]').textContent()).toBe(relay.url);
    expect(await page.locator('[data-relay-form]').count()).toBe(0);
    expect(await attached.locator('[data-action="use-browser"]').count()).toBe(1);
  }, 60_000);

  it('cTrader access points to "Connect" only when a Connect button is there', async () => {
    const status = page.locator('[data-ctrader-status]');
    await status.waitFor({ timeout: 30_000 });
    const access = (await status.locator('tr', { hasText: 'Access' }).locator('td').textContent()) ?? '';
    const connectButtons = await page.locator('[data-action="ctrader-connect"]').count();
    if (/Connect/.test(access)) expect(connectButtons).toBe(1);
    else expect(access).toMatch(/configured first|granted/);
  }, 60_000);
});
