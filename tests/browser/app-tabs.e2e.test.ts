/**
 * Two tabs of the cockpit: exactly one runs the engine (the Web Lock holder),
 * the other shows its updates and sends it commands over the BroadcastChannel;
 * when the owner tab closes, the other takes the engine over, rebuilds from the
 * stored record and carries on — no order missed, none placed twice.
 *
 * Chromium: the system's when there is one, else the one npm ci installed (@sparticuz/chromium);
 * TRADEGUARD_BROWSER=bundled|system or TRADEGUARD_CHROMIUM=/path choose (tests/browser/chromium.ts).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clockPasses, headerClock, readStoredRecord, startAppHarness, type AppHarness, type StoredRecord } from './app-harness.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

let harness: AppHarness;
let first: Page;
let second: Page;

beforeAll(async () => {
  harness = await startAppHarness({ speed: 360_000 });
});
afterAll(async () => {
  if (harness?.errors.length) console.info(`page errors:\n  ${harness.errors.join('\n  ')}`);
  await harness?.close();
});

const owner = (p: Page) => p.locator('[data-engine-owner]').getAttribute('data-engine-owner');
const engineStarts = (p: Page) => p.evaluate(() => (globalThis as { __tradeguardEngineStarts?: number }).__tradeguardEngineStarts ?? 0);

/** The journal must be whole: seq 1..n without gaps, ids unique, each order placed once and filled at most once. */
function expectSoundRecord(r: StoredRecord) {
  expect(r.events.map((e) => e.seq)).toEqual(r.events.map((_, i) => i + 1));
  expect(new Set(r.events.map((e) => e.id)).size).toBe(r.events.length);
  const intents = r.events.filter((e) => e.type === 'order.intent').map((e) => e.clientOrderId);
  expect(intents.length).toBeGreaterThan(0);
  expect(new Set(intents).size).toBe(intents.length);
  const fills = r.events.filter((e) => e.type === 'order.filled').map((e) => e.clientOrderId);
  expect(new Set(fills).size).toBe(fills.length);
  for (const f of fills) expect(intents).toContain(f);
}

describe('two tabs', () => {
  it('only the first tab runs the engine; the second shows it and names the owner tab', async () => {
    first = await harness.newPage('');
    await expect.poll(() => owner(first), { timeout: 60_000 }).toBe('self');
    second = await harness.newPage('');
    await expect.poll(() => owner(second), { timeout: 30_000 }).toBe('other');
    const ownerTab = await first.locator('[data-engine-owner]').getAttribute('data-tab-id');
    expect(await second.locator('[data-engine-owner]').textContent()).toBe(`Engine: tab ${ownerTab}`);
    await expect.poll(() => first.locator('[data-engine-owner]').textContent(), { timeout: 60_000 }).toBe('Engine: this tab');
    expect(await engineStarts(first)).toBe(1);
    expect(await engineStarts(second)).toBe(0);
    // The second tab follows the first's replay.
    const t = await headerClock(second);
    await clockPasses(second, t + 3 * 86_400_000, 90_000);
    await second.locator('[data-card="equity"]').waitFor();
  });

  it('a command typed in the second tab runs in the first tab\'s engine', async () => {
    await second.keyboard.press('Control+k');
    const input = second.locator('#palette-input');
    await input.fill('#pause demo-chain');
    await input.press('Enter');
    await expect.poll(() => second.locator('[data-palette-output] .palette-entry').first().textContent(), { timeout: 20_000 }).toContain('agent demo-chain paused');
    await second.keyboard.press('Escape');
    await expect.poll(() => first.locator('[data-agent-row="demo-chain"] .badge').textContent(), { timeout: 20_000 }).toBe('paused');
    await expect.poll(() => second.locator('[data-agent-row="demo-chain"] .badge').textContent(), { timeout: 20_000 }).toBe('paused');
    expect(await engineStarts(second)).toBe(0);
  });

  it('closing the owner tab hands the engine to the other, which rebuilds and carries on without a doubled order', async () => {
    // Trades must exist before the handover, so the rebuild has orders to match.
    await expect.poll(async () => (await readStoredRecord(second)).events.filter((e) => e.type === 'order.intent').length, { timeout: 90_000, interval: 500 }).toBeGreaterThan(2);
    const clockAtClose = await headerClock(second);
    await first.close();
    await expect.poll(() => owner(second), { timeout: 60_000 }).toBe('self');
    expect(await engineStarts(second)).toBe(1);
    expect(await second.locator('[data-engine-owner]').textContent()).toMatch(/^Engine(: this tab| starting in this tab)$/);
    const before = await readStoredRecord(second);
    // The new owner caught up with the record and replays on past where the first stopped.
    await clockPasses(second, clockAtClose + 5 * 86_400_000, 120_000);
    await expect.poll(() => second.locator('[data-feed-state]').getAttribute('data-feed-state')).toBe('running');
    expect(await second.locator('[data-engine-error]').count()).toBe(0);
    // The command recorded in the first tab's engine is replayed by the second's.
    expect(await second.locator('[data-agent-row="demo-chain"] .badge').textContent()).toBe('paused');
    await expect.poll(async () => (await readStoredRecord(second)).events.length, { timeout: 60_000, interval: 500 }).toBeGreaterThan(before.events.length);
    const after = await readStoredRecord(second);
    expectSoundRecord(after);
    // What was recorded before the handover is still there, unchanged, at the same place.
    expect(after.events.slice(0, before.events.length).map((e) => e.id)).toEqual(before.events.map((e) => e.id));
    // And the new owner's engine keeps deciding after the handover.
    const decisionsAfter = after.events.slice(before.events.length).filter((e) => e.type === 'decision' && e.agentId === 'demo-sma');
    expect(decisionsAfter.length).toBeGreaterThan(0);
  });
});
