/**
 * From backtest to live in the real app (a production build in Chromium, the
 * demo workspace replaying in this tab): backtests kept in a history and
 * compared, an agent's mode, its performance, the readiness checklist before
 * it may go live, live versus backtest, and model health. Screenshots go to a
 * temp dir, or to docs/screenshots with TRADEGUARD_SCREENSHOTS=docs (the
 * README's walkthrough shows them).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAppHarness, type AppHarness } from './app-harness.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

let harness: AppHarness;
let page: Page;
let shots: string;

beforeAll(async () => {
  harness = await startAppHarness({ speed: 360_000 });
  shots = process.env.TRADEGUARD_SCREENSHOTS === 'docs' ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)) : await mkdtemp(join(tmpdir(), 'tradeguard-shots-'));
  page = await harness.newPage('#/backtest');
  await page.setViewportSize({ width: 1280, height: 900 });
});

afterAll(async () => {
  if (harness?.errors.length) console.info(`page errors:\n  ${harness.errors.join('\n  ')}`);
  await harness?.close();
});

/** An element's picture, without the sticky top bar drawn over it. */
async function shot(el: Locator, name: string) {
  await page.locator('[data-offline-ready] button').click({ timeout: 1000 }).catch(() => undefined);
  const style = await page.addStyleTag({ content: '.topbar { position: static !important; }' });
  await el.screenshot({ path: join(shots, `${name}.png`) });
  await style.evaluate((s) => (s as Element).remove());
}

/** Runs a backtest with the slow SMA at `slow`; done when the history holds one more run. */
async function runBacktest(slow: string) {
  const rows = page.locator('[data-history-table] [data-history-run]');
  const before = await rows.count();
  await page.fill('[data-field="param.slow"] input', slow);
  await page.click('[data-action="run-backtest"]');
  await expect.poll(() => rows.count(), { timeout: 120_000 }).toBe(before + 1);
}

describe('backtest history', () => {
  it('keeps each run; two compared side by side show their metrics and overlaid equity curves', async () => {
    await page.waitForFunction(() => (document.querySelector('[data-field="series"] select') as HTMLSelectElement | null)?.value === 'EURUSD|H1', undefined, { timeout: 90_000 });
    const rows = page.locator('[data-history-table] [data-history-run]');
    await runBacktest('20');
    await runBacktest('40');
    // Newest first: tick the two just run, and compare.
    for (const i of [0, 1]) await rows.nth(i).locator('input[type="checkbox"]').check();
    await page.click('[data-action="compare-runs"]');
    const compare = page.locator('[data-compare-runs]');
    await compare.waitFor({ timeout: 30_000 });
    // One column per run in the metrics table, the settings that differ named, and one curve per run.
    const trades = compare.locator('[data-compare-metric="trades"] td');
    await expect.poll(() => trades.count()).toBe(2);
    expect(await compare.locator('[data-compare-settings]').textContent()).toMatch(/slow/);
    expect(await compare.locator('[data-chart="compare"] canvas').count()).toBeGreaterThan(0);
    await shot(page.locator('[data-backtest-history]'), 'backtest-history');
    await shot(compare, 'backtest-compare');
  });
});

describe('an agent on its way to live', () => {
  it('shows its mode on the card and in Overview', async () => {
    await page.click('nav a[href="#/agents"]');
    const card = page.locator('[data-agent-card="demo-sma"]');
    await card.waitFor({ timeout: 30_000 });
    expect(await card.locator('[data-agent-mode]').getAttribute('data-agent-mode')).toBe('paper');
    await page.click('nav a[href="#/overview"]');
    await expect.poll(() => page.locator('[data-agent-row="demo-sma"] [data-agent-mode]').getAttribute('data-agent-mode'), { timeout: 30_000 }).toBe('paper');
  });

  it("has its performance: win rate, profit factor, expectancy, an equity curve, per-trade bars and period tables", async () => {
    await page.click('nav a[href="#/agents"]');
    const card = page.locator('[data-agent-card="demo-sma"]');
    // Some closed trades first: the replay runs at a hundred hourly bars a second.
    await expect.poll(() => page.evaluate(() => document.querySelector('[data-agent-card="demo-sma"]')?.textContent ?? ''), { timeout: 60_000 }).toMatch(/\S/);
    const perf = card.locator('[data-agent-performance="demo-sma"]');
    await perf.locator('summary').click();
    await expect.poll(() => perf.locator('[data-perf-stat="win-rate"]').textContent(), { timeout: 60_000 }).toMatch(/\d+(\.\d+)? ?%/);
    await expect.poll(() => perf.locator('[data-trade-bar]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await perf.locator('[data-period-table]').count()).toBeGreaterThan(0);
    await shot(perf, 'agent-performance');
  });

  it('lists the readiness gates with their numbers; a replay workspace offers no Go live and says why', async () => {
    const card = page.locator('[data-agent-card="demo-sma"]');
    const ready = card.locator('[data-readiness="demo-sma"]');
    await ready.locator('summary').click();
    const gates = ready.locator('[data-readiness-gates] [data-gate]');
    await expect.poll(() => gates.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(7);
    // A replay this young has far fewer than the trades a promotion needs: that gate is red.
    expect(await ready.locator('[data-gate="trades"]').getAttribute('data-green')).toBe('false');
    await shot(ready, 'readiness');
    // A replay workspace trades paper only: no Go live button, and the panel says where live orders come from.
    expect(await ready.locator('[data-action="go-live"]').count()).toBe(0);
    expect(await ready.textContent()).toContain("This workspace replays stored bars: its agents trade paper. Live orders need the relay's live workspace.");
    expect(await card.locator('[data-agent-mode]').getAttribute('data-agent-mode')).toBe('paper');
  });

  it('compares what it did with a backtest of the same bars: on a paper replay, trade for trade', async () => {
    const card = page.locator('[data-agent-card="demo-sma"]');
    const lvb = card.locator('[data-live-vs-backtest="demo-sma"]');
    await lvb.locator('summary').click();
    await lvb.locator('[data-action="compare"]').click();
    const summary = lvb.locator('[data-compare-summary]');
    await summary.waitFor({ timeout: 120_000 });
    await expect.poll(() => lvb.locator('[data-compare-trade]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await shot(lvb, 'live-vs-backtest');
  });
});

describe('going-live rules', () => {
  it('Settings > Going live changes what the readiness checklist asks, through the engine; a bad value is refused at its field', async () => {
    await page.click('nav a[href="#/settings"]');
    const panel = page.locator('[data-panel="go-live"]');
    await panel.waitFor({ timeout: 30_000 });
    const trades = panel.locator('[data-field="gates.minTrades"] input');
    await expect.poll(() => trades.isEnabled(), { timeout: 30_000 }).toBe(true);
    await trades.fill('2.5');
    await panel.locator('[data-action="save-go-live"]').click();
    await expect.poll(() => panel.locator('[data-field="gates.minTrades"] .field-error').textContent(), { timeout: 15_000 }).toMatch(/whole number/);
    await trades.fill('5');
    await panel.locator('[data-action="save-go-live"]').click();
    await expect.poll(() => page.locator('[data-saved="go-live"]').textContent(), { timeout: 15_000 }).toMatch(/saved/i);
    await shot(panel, 'go-live-settings');
    // The checklist now asks for 5 paper trades.
    await page.click('nav a[href="#/agents"]');
    const ready = page.locator('[data-agent-card="demo-sma"] [data-readiness="demo-sma"]');
    if (!(await ready.getAttribute('open').then((v) => v !== null))) await ready.locator('summary').click();
    await expect.poll(() => ready.locator('[data-gate="trades"]').textContent(), { timeout: 30_000 }).toMatch(/≥ 5\b/);
  });
});

describe('model versions', () => {
  it("lists the versions the chain agent trades, per role, for a new one to run in shadow", async () => {
    await page.click('nav a[href="#/agents"]');
    const card = page.locator('[data-agent-card="demo-chain"]');
    await card.waitFor({ timeout: 30_000 });
    const panel = card.locator('[data-shadow="demo-chain"]');
    await panel.locator('summary').click();
    const roles = panel.locator('[data-shadow-versions] [data-shadow-role]');
    await expect.poll(() => roles.evaluateAll((els) => els.map((e) => e.getAttribute('data-shadow-role'))), { timeout: 30_000 }).toEqual(['alpha', 'risk', 'guard']);
    for (const role of ['alpha', 'risk', 'guard']) expect(await panel.locator(`[data-shadow-role="${role}"] dd`).textContent()).toMatch(new RegExp(`^${role}:demo-${role}@\\d+\\.\\d+\\.\\d+$`));
    // One version of each demo bundle is stored: nothing to shadow yet, and no shadow running.
    expect(await panel.locator('[data-shadow-pick]').count()).toBe(0);
    expect(await panel.getAttribute('data-shadow-running')).toBeNull();
  });
});

describe('model health', () => {
  it("shows the chain's models against their bundles: hit rate, calibration, drift per feature, the guard's block rate", async () => {
    await page.click('nav a[href="#/models"]');
    const health = page.locator('[data-model-health]').first();
    await health.waitFor({ timeout: 60_000 });
    await expect.poll(() => health.locator('[data-health-model]').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    await shot(health, 'model-health');
  });
});
