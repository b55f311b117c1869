import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startRelayInBrowser, type RelayInBrowser } from './relay-browser.ts';

/**
 * A phone or a laptop attaching to the relay: the PWA opened from the URL the
 * relay prints shows the relay's headless workspace (not a browser engine of
 * its own), follows its event stream, and sends its commands to the relay.
 */
describe('the PWA attached to a relay', () => {
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

  it('logs in with the one-time link, drops the token from the address bar, and shows the relay engine and its agents', async () => {
    await page.goto(`${relay.url}/#login=${relay.oneTimeToken}`);
    await page.waitForSelector('[data-engine-owner]');
    await expect.poll(() => page.textContent('.engine-badge'), { timeout: 30_000 }).toContain('Engine: relay');
    expect(page.url()).not.toContain(relay.oneTimeToken);
    // No engine of its own: the page started no worker that runs the engine.
    expect(await page.evaluate(() => navigator.locks.query().then((q) => (q.held ?? []).map((l) => l.name)))).not.toContain('tradeguard-engine');
    await page.click('nav a[href="#/agents"]');
    await expect.poll(() => page.locator('text=Demo SMA cross').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    // Live state: the replay clock shown moves with the relay's.
    const seq1 = (await relay.host.status()).lastSeq;
    await expect.poll(async () => (await relay.host.status()).lastSeq, { timeout: 30_000 }).toBeGreaterThan(seq1);
  }, 120_000);

  it('a command from the page runs on the relay', async () => {
    await page.click('nav a[href="#/agents"]');
    const card = page.locator('[data-agent-card="demo-sma"]');
    await card.locator('button:has-text("Pause")').click();
    await expect.poll(async () => (await relay.host.status()).agents.find((a) => a.id === 'demo-sma')?.state, { timeout: 30_000 }).toBe('paused');
    await expect.poll(() => card.locator('.badge').first().textContent(), { timeout: 30_000 }).toContain('paused');
  }, 60_000);

  it('a reload stays attached with the session cookie; a used one-time link is refused', async () => {
    await page.reload();
    await expect.poll(() => page.textContent('.engine-badge'), { timeout: 30_000 }).toContain('Engine: relay');
    const again = await fetch(`${relay.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: relay.oneTimeToken }) });
    expect(again.status).toBe(401);
  }, 60_000);
});
