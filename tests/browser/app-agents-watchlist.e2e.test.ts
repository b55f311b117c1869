/**
 * The create-agent form's "Watchlist (@watchlist)" choice in the real app (a
 * production build in Chromium, the browser's own demo workspace): while the
 * screener's watchlist is empty the host refuses the agent, and the form shows
 * that refusal at the symbols; with a symbol added to the watchlist by hand
 * (Lab > Screener) the agent is created on it, and its stored config lists the
 * watchlist's symbol, not @watchlist.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAppHarness, storedAgentConfig, type AppHarness } from './app-harness.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

let harness: AppHarness;
let page: Page;

beforeAll(async () => {
  harness = await startAppHarness({ speed: 3600 });
  page = await harness.newPage('#/agents');
  await page.setViewportSize({ width: 1280, height: 900 });
});

afterAll(async () => {
  if (harness?.errors.length) console.info(`page errors:\n  ${harness.errors.join('\n  ')}`);
  await harness?.close();
});

const view = async (id: string) => {
  await page.click(`nav a[href="#/${id}"]`);
  await page.locator(`[data-view="${id}"]`).waitFor({ timeout: 30_000 });
};

/** Opens the create form named `name`, trading only @watchlist. */
async function watchlistForm(name: string) {
  await page.click('[data-new-agent]');
  const form = page.locator('[data-create-agent]');
  await form.waitFor();
  await form.locator('input[name="name"]').fill(name);
  for (const box of await form.locator('input[name^="symbol-"]:checked').all()) await box.uncheck();
  await form.locator('input[name="symbol-@watchlist"]').check();
  return form;
}

/** The stored symbols of an agent, read without the app's code. */
const storedSymbols = async (id: string) => (await storedAgentConfig(page, id))?.symbols ?? null;

describe('an agent on the screener watchlist', () => {
  it("offers the watchlist beside the stored symbols; an empty watchlist is refused in the host's words at the symbols", async () => {
    await page.locator('[data-view="agents"]').waitFor({ timeout: 120_000 });
    const form = await watchlistForm('Watchlist trader');
    expect(await form.locator('input[name="symbol-@watchlist"]').isChecked()).toBe(true);
    expect((await form.locator('input[name="symbol-@watchlist"]').locator('xpath=..').textContent())?.trim()).toBe('Watchlist (@watchlist)');
    await form.locator('[data-create-submit]').click();
    const refusal = form.locator('[data-symbols-refusal]');
    await refusal.waitFor({ timeout: 60_000 });
    expect(await refusal.textContent()).toBe("Not created: @watchlist stands for the screener's watchlist, which is empty: run the screener (Lab > Screener) or add symbols by hand first");
    expect(await form.locator('[data-create-refusal]').count()).toBe(0);
  });

  it('is created on the watchlist once it holds a symbol, and stores that symbol', async () => {
    await view('lab');
    await page.locator('[data-lab-screener]').waitFor({ timeout: 120_000 });
    await page.locator('[data-input="watch-symbol"]').fill('EURUSD');
    await page.locator('[data-action="watch-add"]').click();
    await page.locator('[data-watch="EURUSD"]').waitFor();
    await view('agents');
    const form = await watchlistForm('Watchlist trader');
    await form.locator('[data-create-submit]').click();
    await page.locator('[data-agent-card="watchlist-trader"]').waitFor({ timeout: 60_000 });
    expect(await storedSymbols('watchlist-trader')).toEqual(['EURUSD']);
    // The card says the symbols come from the watchlist (they change as it does).
    const follows = page.locator('[data-agent-card="watchlist-trader"] [data-agent-watchlist]');
    await follows.waitFor();
    expect((await follows.textContent())?.trim()).toBe('(follows the watchlist)');
  });
});
