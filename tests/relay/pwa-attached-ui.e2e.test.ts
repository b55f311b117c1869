import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startRelayInBrowser, type RelayInBrowser } from './relay-browser.ts';

/**
 * Attached to a relay, the cockpit shows what is true there: the workspace
 * lives on the relay, so no "ready to work offline" promise and no browser
 * storage meter; Settings names the relay it is attached to instead of an
 * empty address form; and cTrader's access line points to a Connect button
 * only when one is on the page.
 */
describe('the PWA attached to a relay says so', () => {
  let session: RelayInBrowser;
  let relay: RelayInBrowser['relay'];
  let page: Page;
  beforeAll(async () => {
    session = await startRelayInBrowser(36_000);
    ({ relay, page } = session);
  }, 300_000);
  afterAll(async () => {
    await session?.close();
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
