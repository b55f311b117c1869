/**
 * The Lab's screener panel in the real app (a production build in Chromium),
 * in the browser's own workspace over its IndexedDB series: a broken filter
 * is refused with its field, line and column; a screen ranks the stored
 * series and keeps the top on the watchlist; a symbol added and removed by
 * hand is logged with who and what.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { startAppHarness, type AppHarness } from './app-harness.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

let harness: AppHarness;
let page: Page;

beforeAll(async () => {
  harness = await startAppHarness({ speed: 3600 });
  page = await harness.newPage('#/lab');
  await page.setViewportSize({ width: 1280, height: 900 });
});

afterAll(async () => {
  if (harness?.errors.length) console.info(`page errors:\n  ${harness.errors.join('\n  ')}`);
  await harness?.close();
});

async function fill(input: string, text: string) {
  const el = page.locator(`[data-input="${input}"]`);
  await el.fill(text);
}

describe('Screener in the Lab', () => {
  it('refuses a broken filter by field with line and column', async () => {
    await page.locator('[data-lab-screener]').waitFor({ timeout: 120_000 });
    // The demo workspace's bars are stored once the engine runs (the cells list waits for the same).
    await page.locator('[data-cell="sma-cross"]').waitFor({ timeout: 120_000 });
    await fill('screen-filter', 'close > 0 and smaa(volume, 20) > 1');
    await page.locator('[data-action="run-screen"]').click();
    const problem = page.locator('[data-screen-problem]');
    await problem.waitFor();
    expect(await problem.textContent()).toBe('filter: line 1, column 15: unknown function "smaa"');
  });

  it('ranks the stored series and keeps the top on the watchlist, with the log', async () => {
    await fill('screen-filter', 'close > 0');
    await fill('screen-rank', 'roc(close, 20)');
    await fill('screen-top', '1');
    await page.locator('[data-action="run-screen"]').click();
    await page.locator('[data-screen-row]').first().waitFor();
    const rows = await page.locator('[data-screen-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-screen-row')));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toContain('EURUSD');
    await page.locator(`[data-watch="${rows[0]}"]`).waitFor();
    expect(await page.locator('[data-watch]').count()).toBe(1);

    await fill('watch-symbol', 'usdjpy');
    await page.locator('[data-action="watch-add"]').click();
    await page.locator('[data-watch="USDJPY"]').waitFor();
    await page.locator('[data-watch="USDJPY"] button').click();
    await page.locator('[data-watch="USDJPY"]').waitFor({ state: 'detached' });
    await page.locator('[data-watchlist-log] summary').click();
    const log = await page.locator('[data-watchlist-log] li').allTextContents();
    expect(log[0]).toMatch(/· trader · removed USDJPY: removed by hand$/);
    expect(log[1]).toMatch(/· trader · added USDJPY: added by hand$/);
    expect(log[2]).toMatch(new RegExp(`· screener · added ${rows[0]}: ranked 1st by roc\\(close, 20\\) \\(trader\\)$`));
  });
});
