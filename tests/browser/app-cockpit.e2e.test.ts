/**
 * The cockpit in a real Chromium, from a production build served with
 * COOP/COEP: a fresh load runs the demo workspace, an agent created in the
 * form trades, the palette runs registry commands, and the emergency stop
 * closes everything. Screenshots of each view go to a temp dir, or to
 * docs/screenshots when TRADEGUARD_SCREENSHOTS=docs.
 *
 * Chromium: the system's when there is one, else the one npm ci installed (@sparticuz/chromium);
 * TRADEGUARD_BROWSER=bundled|system or TRADEGUARD_CHROMIUM=/path choose (tests/browser/chromium.ts).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clockPasses, headerClock, readStoredRecord, startAppHarness, type AppHarness } from './app-harness.ts';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 300_000 });

let harness: AppHarness;
let page: Page;
let shots: string;

beforeAll(async () => {
  harness = await startAppHarness({ speed: 360_000 });
  shots = process.env.TRADEGUARD_SCREENSHOTS === 'docs' ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)) : await mkdtemp(join(tmpdir(), 'tradeguard-shots-'));
  page = await harness.newPage('');
});

afterAll(async () => {
  if (harness?.errors.length) console.info(`page errors:\n  ${harness.errors.join('\n  ')}`);
  await harness?.close();
});

async function shot(name: string) {
  // The one-time "ready to work offline" note would cover part of the picture.
  await page.locator('[data-offline-ready] button').click({ timeout: 1000 }).catch(() => undefined);
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

/** Sum of the trade counts in the Overview's agent table. */
async function tradesShown(): Promise<number> {
  const cells = await page.locator('[data-overview-agents] tbody tr td:last-child').allTextContents();
  return cells.reduce((n, c) => n + Number(c.replace(/,/g, '')), 0);
}

describe('a fresh load', () => {
  it('runs the demo workspace in this tab: account cards, both demo agents running, and trades appearing as the replay runs', async () => {
    await expect.poll(() => page.locator('[data-engine-owner]').getAttribute('data-engine-owner'), { timeout: 60_000 }).toBe('self');
    await page.locator('[data-account-cards]').waitFor({ timeout: 60_000 });
    for (const card of ['balance', 'equity', 'drawdown', 'margin-used', 'margin-free']) {
      await expect.poll(() => page.locator(`[data-card="${card}"] .value`).textContent()).toMatch(/^-?[\d,]+\.\d\d (USD|%)$/);
    }
    await expect.poll(() => page.locator('[data-overview-agents] tbody tr').count(), { timeout: 60_000 }).toBe(2);
    expect(await page.locator('[data-agent-row="demo-sma"] .badge').textContent()).toBe('running');
    expect(await page.locator('[data-agent-row="demo-chain"] .badge').textContent()).toBe('running');
    await expect.poll(() => page.locator('[data-connection="feed"]').textContent()).toMatch(/running/);
    await expect.poll(() => page.locator('[data-connection="broker"]').textContent()).toMatch(/paper, connected.*last heartbeat \d+ s ago/);

    const t0 = await headerClock(page);
    await expect.poll(tradesShown, { timeout: 90_000 }).toBeGreaterThan(0);
    const first = await tradesShown();
    await clockPasses(page, t0 + 7 * 86_400_000, 120_000);
    await expect.poll(tradesShown, { timeout: 90_000 }).toBeGreaterThan(first);
    // The equity curve draws the stored snapshots.
    await page.locator('[data-chart="equity"] canvas').first().waitFor({ timeout: 30_000 });
    await shot('overview');
    // Phone-sized: the nav folds into a menu, the cards stack, nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.locator('nav.nav').isVisible()).toBe(false);
    // (the charts follow the new width on their next resize callback)
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await shot('overview-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('the Trades view lists them with their lifecycle, filters and exports CSV', async () => {
    await page.goto(`${harness.origin}/?speed=360000#/trades`);
    await page.locator('[data-shell-ready]').waitFor();
    await expect.poll(() => page.locator('[data-trade-row][data-open="no"]').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    const stored = await readStoredRecord(page);
    const closedStored = stored.events.filter((e) => e.type === 'position.closed').length;
    expect(await page.locator('[data-trade-row][data-open="no"]').count()).toBeGreaterThanOrEqual(Math.min(closedStored, 1));
    await page.selectOption('select[name="filter-agent"]', 'demo-sma');
    await expect.poll(async () => new Set(await page.locator('[data-trade-row] [data-col="agent"]').allTextContents())).toEqual(new Set(['demo-sma']));
    await page.locator('[data-trade-row][data-open="no"]').first().click();
    await expect.poll(() => page.locator('[data-lifecycle] li').count()).toBeGreaterThanOrEqual(2);
    // The entry fill time and the price with EURUSD's five digits (1.18470, not 1.1847).
    expect(await page.locator('[data-lifecycle] li').first().textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d — entry filled (long|short) [\d,]+ @ \d\.\d{5}, stop (none|\d\.\d{5}), target (none|\d\.\d{5})$/);
    expect(await page.locator('[data-lifecycle] li').last().textContent()).toMatch(/exited @ \d\.\d{5} \((stop|target|signal|manual|emergency)\), net [+-]\d+\.\d\d USD$/);
    await page.fill('[data-trade-detail] input[name="tags"]', 'breakout, e2e');
    await page.fill('[data-trade-detail] textarea[name="note"]', 'entered on the cross');
    await page.click('[data-trade-detail] button[type="submit"]');
    await expect.poll(() => page.locator('[data-toast="ok"]').last().textContent()).toMatch(/note saved/);
    await page.selectOption('select[name="filter-tag"]', 'e2e');
    await expect.poll(() => page.locator('[data-trade-row]').count()).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export-csv]')]);
    const csv = await (await import('node:fs/promises')).readFile((await download.path())!, 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('id,agent,symbol,side,units,entry_time_utc,entry_price,exit_time_utc,exit_price,exit_reason,net_pnl_usd,return_pct,tags,note');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/,demo-sma,EURUSD,(long|short),.*,breakout e2e,entered on the cross$/);
    await page.selectOption('select[name="filter-tag"]', '');
    await page.selectOption('select[name="filter-agent"]', '');
    await shot('trades');
  });

  it('the Decisions view shows the model chain behind each bar', async () => {
    await page.click('nav a[href="#/decisions"]');
    await page.selectOption('select[name="filter-agent"]', 'demo-chain');
    await expect.poll(() => page.locator('[data-decisions-table] tbody tr[data-decision]').count(), { timeout: 30_000 }).toBeGreaterThan(5);
    // Every row: alpha probabilities short / flat / long (the demo chain's alpha is a 3-class model).
    const cells = () => page.locator('[data-decisions-table] tbody tr[data-decision]').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    // The filter re-queries the store: wait until only the chain's rows are shown.
    await expect.poll(async () => (await cells()).every((c) => c[1] === 'demo-chain'), { timeout: 30_000 }).toBe(true);
    // (bars in the features' warm-up read no model: 'no opinion')
    await expect.poll(async () => (await cells()).filter((c) => c[3] !== 'no opinion').length, { timeout: 60_000 }).toBeGreaterThan(0);
    for (const c of (await cells()).filter((x) => x[3] !== 'no opinion')) expect(c[3]).toMatch(/^\d\.\d{3} \/ \d\.\d{3} \/ \d\.\d{3}$/);
    // Where the alpha proposed a trade, the risk heads and the guard (against the demo threshold 0.41) ran too.
    await expect.poll(async () => (await cells()).filter((c) => c[5] !== '–').length, { timeout: 90_000 }).toBeGreaterThan(0);
    for (const c of (await cells()).filter((x) => x[5] !== '–')) {
      expect(c[4]).toMatch(/^\d+\.\d{3} \/ \d+\.\d{3} \/ \d+\.\d{3}( \*)?$/);
      expect(c[5]).toMatch(/^\d\.\d{3} (≥|<) 0\.410$/);
      expect(c[7].length).toBeGreaterThan(0);
    }
    await page.selectOption('select[name="filter-action"]', '');
    await page.selectOption('select[name="filter-agent"]', '');
    await shot('decisions');
  });
});

describe('agents', () => {
  it('the create form shows each problem next to its field, and a created agent trades', async () => {
    await page.click('nav a[href="#/agents"]');
    await page.locator('[data-agent-card="demo-sma"]').waitFor({ timeout: 30_000 });
    await page.click('[data-new-agent]');
    const form = page.locator('[data-create-agent]');
    await form.waitFor();
    // Live is off until a broker account is connected, and says so.
    expect(await form.locator('input[name="mode"]').nth(1).isDisabled()).toBe(true);
    expect(await form.locator('[data-live-disabled]').textContent()).toMatch(/no broker account is connected/);
    await form.locator('input[name="name"]').fill('Fast cross');
    expect(await form.locator('input[name="id"]').inputValue()).toBe('fast-cross');
    expect(await form.locator('select[name="timeframe"]').inputValue()).toBe('H1');
    await form.locator('input[name="riskPct"]').fill('0');
    await form.locator('input[name="param-fast"]').fill('3');
    await form.locator('input[name="param-slow"]').fill('8');
    await form.locator('[data-create-submit]').click();
    await expect.poll(() => form.locator('[data-field="riskPct"] .problem').textContent()).toBe('risk per trade must be in (0, 100] % (got 0)');
    // The engine's own schedule rule, next to the schedule.
    await form.locator('input[name="schedule"]').nth(1).check();
    await expect.poll(() => form.locator('fieldset:has(input[name="schedule"]) .problem').first().textContent()).toMatch(/a once-a-day schedule is for daily-bar agents/);
    await form.locator('input[name="schedule"]').nth(0).check();
    await form.locator('input[name="riskPct"]').fill('0.5');
    expect(await form.locator('.problem').count()).toBe(0);
    await form.locator('[data-create-submit]').click();
    const card = page.locator('[data-agent-card="fast-cross"]');
    await card.waitFor({ timeout: 30_000 });
    expect(await card.locator('[data-agent-state]').textContent()).toBe('running');
    await expect.poll(async () => Number(await card.locator('[data-agent-trades]').textContent()), { timeout: 120_000 }).toBeGreaterThan(0);
    const stored = await readStoredRecord(page);
    expect(stored.events.some((e) => e.type === 'position.closed' && e.agentId === 'fast-cross')).toBe(true);
    await card.locator('canvas').first().waitFor();
    await page.locator('[data-agent-card="demo-sma"]').scrollIntoViewIfNeeded();
    await shot('agents');
  });

  it('pausing from the card pauses the agent, resuming runs it again', async () => {
    const card = page.locator('[data-agent-card="fast-cross"]');
    await card.locator('[data-action="pause"]').click();
    await expect.poll(() => card.locator('[data-agent-state]').textContent()).toBe('paused');
    await card.locator('[data-action="resume"]').click();
    await expect.poll(() => card.locator('[data-agent-state]').textContent()).toBe('running');
  });
});

describe('the command palette', () => {
  it('opens with Ctrl+K, suggests from the registry, runs queries and asks before destructive actions', async () => {
    await page.keyboard.press('Control+k');
    const input = page.locator('#palette-input');
    await input.waitFor();
    await input.fill('#pa');
    await expect.poll(() => page.locator('#palette-suggestions li code').allTextContents()).toEqual(['#pause demo-sma', '#pause demo-chain', '#pause fast-cross', '#pause all']);
    await input.fill('/status');
    await input.press('Enter');
    await expect.poll(() => page.locator('[data-palette-output] .palette-entry').first().textContent()).toMatch(/balance [\d,]+\.\d\d USD, equity/);
    await input.fill('/nope');
    await input.press('Enter');
    await expect.poll(() => page.locator('[data-palette-output] .palette-entry.error').first().textContent()).toContain('unknown command "/nope" — try /help');
    await input.fill('#stop fast-cross keep');
    await input.press('Enter');
    const dialog = page.locator('dialog.confirm');
    await expect.poll(() => dialog.locator('#confirm-question').textContent()).toMatch(/^Stop agent fast-cross: /);
    await shot('palette-confirm');
    await dialog.locator('[data-cancel]').click();
    await expect.poll(() => page.locator('[data-palette-output] .palette-entry').first().textContent()).toContain('cancelled: nothing was changed');
    expect(await page.locator('[data-agent-card="fast-cross"] [data-agent-state]').textContent()).toBe('running');
    await input.fill('/agents');
    await input.press('Enter');
    await expect.poll(() => page.locator('[data-palette-output] .palette-entry').first().textContent()).toContain('fast-cross (Fast cross): running');
    await shot('palette');
    await page.keyboard.press('Escape');
  });
});

describe('the risk view', () => {
  it('shows the trading states, locks, exposure and the open positions by equity at risk', async () => {
    await page.click('nav a[href="#/risk"]');
    await page.locator('[data-risk-cards]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('[data-state-row]').count()).toBe(4);
    // A position open: a tile in the heatmap and its currencies in the exposure.
    await expect.poll(() => page.locator('[data-heat-tile]').count(), { timeout: 120_000, interval: 250 }).toBeGreaterThan(0);
    await page.locator('[data-exposure="currency"] [data-share]').first().waitFor({ timeout: 10_000 }).catch(() => undefined);
    // The earlier tests' toasts would cover the picture.
    for (const b of await page.locator('[data-toast] button').all()) await b.click().catch(() => undefined);
    await shot('risk');
  });
});

describe('the emergency stop', () => {
  it('asks once, saying what it cancels and closes, then leaves no position and no pending order and halts trading', async () => {
    await page.click('nav a[href="#/overview"]');
    // Wait for something to close: an open position in the demo account.
    await expect.poll(async () => (await readStoredRecord(page)).openPositions, { timeout: 120_000, interval: 500 }).toBeGreaterThan(0);
    await page.click('[data-emergency-stop]');
    const dialog = page.locator('dialog.confirm');
    // The engine's plan: the entries in flight it cancels (or none), the positions it closes, what it halts.
    await expect.poll(() => dialog.locator('#confirm-question').textContent()).toMatch(/^EMERGENCY STOP: (cancel \d+ pending order\(s\) \(.+\)|no pending order to cancel); (close \d+ open position\(s\) at market \(.+\)|no open position to close);.* halt trading for the account and 3 agent\(s\)\?/);
    await dialog.locator('[data-confirm]').click();
    await expect.poll(() => page.locator('[data-toast="ok"] > div').last().textContent(), { timeout: 30_000 }).toMatch(/^emergency stop: trading halted \(account and 3 agent\(s\)\), \d+ pending [a-z()]+ cancelled, \d+ position\(s\) closing at market/);
    // The header says so, with a way back.
    await expect.poll(() => page.locator('[data-trading-banner]').getAttribute('data-trading-banner'), { timeout: 30_000 }).toBe('halted');
    expect(await page.locator('[data-trading-banner] [data-trading-reason]').textContent()).toBe('emergency stop');
    await expect.poll(async () => (await readStoredRecord(page)).openPositions, { timeout: 60_000, interval: 500 }).toBe(0);
    const stored = await readStoredRecord(page);
    expect(stored.events.filter((e) => e.type === 'position.closed').length).toBeGreaterThan(0);
    // Nothing pending: every order begun has an outcome (filled, rejected or cancelled); a fill that raced the stop was closed at once.
    const settled = async () => {
      const r = await readStoredRecord(page);
      const done = new Set(r.events.filter((e) => ['order.filled', 'order.rejected', 'order.cancelled'].includes(e.type)).map((e) => e.clientOrderId));
      return r.events.filter((e) => e.type === 'order.intent' && !done.has(e.clientOrderId)).map((e) => e.clientOrderId);
    };
    await expect.poll(settled, { timeout: 30_000, interval: 500 }).toEqual([]);
    const intents = (await readStoredRecord(page)).events.filter((e) => e.type === 'order.intent').length;
    // Every agent's card says halted, and why.
    await page.click('nav a[href="#/agents"]');
    await expect.poll(() => page.locator('[data-agent-trading]').evaluateAll((els) => els.map((e) => e.getAttribute('data-agent-trading'))), { timeout: 30_000 }).toEqual(['halted', 'halted', 'halted']);
    // Nothing opens or is sent afterwards: the replay runs on (two more days, or to the end of its data), trading stays halted.
    const t = await headerClock(page);
    const feedDone = async () => (await page.locator('[data-feed-state]').getAttribute('data-feed-state')) === 'finished';
    await expect.poll(async () => (await feedDone()) || (await headerClock(page)) > t + 2 * 86_400_000, { timeout: 60_000, interval: 250 }).toBe(true);
    const after = await readStoredRecord(page);
    expect(after.openPositions).toBe(0);
    expect(after.events.filter((e) => e.type === 'order.intent').length).toBe(intents);
    expect(await settled()).toEqual([]);
    await page.click('nav a[href="#/overview"]');
    expect(await page.locator('[data-card="margin-used"] .value').textContent()).toBe('0.00 USD');
  });
});
