/**
 * The Lab's screener panel in the real app (a production build in Chromium),
 * in the browser's own workspace: the live broker's symbols cannot be chosen
 * (this workspace has no broker session), the panel says why, and a broker
 * run is refused in those words rather than attempted.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { startAppHarness, type AppHarness } from './app-harness.ts';
import { NO_BROKER_HERE } from '../../app/views/lab/screener-api.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

let harness: AppHarness;
let page: Page;

beforeAll(async () => {
  harness = await startAppHarness({ speed: 3600 });
  page = await harness.newPage('#/lab');
});

afterAll(async () => {
  if (harness?.errors.length) console.info(`page errors:\n  ${harness.errors.join('\n  ')}`);
  await harness?.close();
});

describe('Screener in the Lab, browser workspace', () => {
  it("offers the live broker's symbols only on a relay, saying why here", async () => {
    await page.locator('[data-lab-screener]').waitFor({ timeout: 120_000 });
    const universe = page.locator('[data-input="screen-universe"]');
    await page.locator('[data-screen-broker]').filter({ hasText: NO_BROKER_HERE }).waitFor({ timeout: 60_000 });
    expect(await universe.inputValue()).toBe('stored');
    expect(await universe.locator('option[value="broker"]').isDisabled()).toBe(true);
    expect(await page.locator('[data-screen-broker]').textContent()).toBe(`Broker screen: ${NO_BROKER_HERE}`);
  });
});
