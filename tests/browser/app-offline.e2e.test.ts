/**
 * The cockpit offline: once the service worker has precached the shell, the
 * bundled data, the demo models and onnxruntime's wasm, a reload with the
 * network off renders the app, and the engine rebuilds from IndexedDB and
 * replays on.
 *
 * Chromium: the system's when there is one, else the one npm ci installed (@sparticuz/chromium);
 * TRADEGUARD_BROWSER=bundled|system or TRADEGUARD_CHROMIUM=/path choose (tests/browser/chromium.ts).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clockPasses, headerClock, readStoredRecord, startAppHarness, type AppHarness } from './app-harness.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

let harness: AppHarness;
beforeAll(async () => {
  harness = await startAppHarness({ speed: 360_000 });
});
afterAll(async () => {
  if (harness?.errors.length) console.info(`page errors:\n  ${harness.errors.join('\n  ')}`);
  await harness?.close();
});

describe('installable', () => {
  it('links a web manifest with the name, standalone display and 192/512/maskable PNG icons that load', async () => {
    const page = await harness.newPage('');
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    expect(href).toBeTruthy();
    const manifest = await page.evaluate(async (h) => (await fetch(h!)).json(), href);
    expect(manifest).toMatchObject({ name: 'TradeGuard', short_name: 'TradeGuard', display: 'standalone' });
    const icons = manifest.icons as { src: string; sizes: string; purpose?: string }[];
    expect(icons.map((i) => `${i.sizes}${i.purpose ? ` ${i.purpose}` : ''}`)).toEqual(['192x192', '512x512', '512x512 maskable']);
    for (const i of icons) {
      const size = await page.evaluate(async (src) => {
        const img = new Image();
        img.src = src;
        await img.decode();
        return `${img.naturalWidth}x${img.naturalHeight}`;
      }, new URL(i.src, new URL(href!, harness.origin + '/')).href);
      expect(size).toBe(i.sizes);
    }
    await page.close();
  });
});

describe('offline', () => {
  it('after the service worker installed, a reload without network renders the app and the replay continues from stored data', async () => {
    const page = await harness.newPage('');
    // An active service worker has finished its install, i.e. precached everything.
    expect(await page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.active?.state))).toMatch(/^activat(ed|ing)$/);
    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) urls.push(new URL(r.url).pathname);
      return urls;
    });
    // The shell, the bundled data, the demo models and onnxruntime's wasm.
    for (const want of [/\/index\.html/, /\/data\/EURUSD\.csv/, /\/models\/demo\/alpha\/model\.onnx/, /\/models\/demo\/guard\/manifest\.json/, /ort-wasm-simd-threaded-.*\.wasm/, /engine\.worker-.*\.js/]) {
      expect(cached.some((u) => want.test(u)), `precached ${want}`).toBe(true);
    }
    await expect.poll(async () => (await readStoredRecord(page)).events.filter((e) => e.type === 'position.closed').length, { timeout: 90_000, interval: 500 }).toBeGreaterThan(0);
    const before = await readStoredRecord(page);
    const clock = await headerClock(page);

    await harness.context.setOffline(true);
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    await page.reload();
    await page.locator('[data-shell-ready]').waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    // Served by the service worker with the same COOP/COEP headers: still cross-origin isolated.
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await expect.poll(() => page.locator('[data-engine-owner]').getAttribute('data-engine-owner'), { timeout: 60_000 }).toBe('self');
    await page.locator('[data-account-cards]').waitFor({ timeout: 60_000 });
    // The engine rebuilt from IndexedDB and replays on past where it was.
    await clockPasses(page, clock + 3 * 86_400_000, 120_000);
    expect(await page.locator('[data-engine-error]').count()).toBe(0);
    const after = await readStoredRecord(page);
    expect(after.events.length).toBeGreaterThan(before.events.length);
    expect(after.events.slice(0, before.events.length).map((e) => e.id)).toEqual(before.events.map((e) => e.id));
    expect(failed).toEqual([]);
    await harness.context.setOffline(false);
  });
});
