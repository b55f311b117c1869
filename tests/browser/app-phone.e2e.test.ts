/**
 * The cockpit on a 390 px phone, and what it shows that should read right
 * anywhere: every view fits the screen (a wide table scrolls inside its own
 * box with its first column kept, and its key columns can be reached), the
 * page titles line up, the chart controls draw without fonts, times are
 * 24-hour UTC in ISO order, and the standalone PWA offers no relay it has not got.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { VIEWS } from '../../app/state/views.ts';
import { startAppHarness, type AppHarness } from './app-harness.ts';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 300_000 });

const PHONE = { width: 390, height: 844 };
let harness: AppHarness;
let page: Page;

beforeAll(async () => {
  harness = await startAppHarness({ speed: 360_000 });
  page = await harness.newPage('');
  await page.setViewportSize(PHONE);
  // The one-time "ready to work offline" note floats over the bottom of the screen.
  await page.locator('[data-offline-ready] button').click({ timeout: 5000 }).catch(() => undefined);
});

afterAll(async () => {
  if (harness?.errors.length) console.info(`page errors:\n  ${harness.errors.join('\n  ')}`);
  await harness?.close();
});

interface Overflow {
  scrollWidth: number;
  viewport: number;
  /** Elements and text running past the right edge of the screen outside a scroll box that fits it. */
  outside: string[];
}

/** What sticks out past the viewport's right edge, elements and text alike, unless it sits in a sideways scroll box that itself fits. */
function overflow(p: Page): Promise<Overflow> {
  return p.evaluate(() => {
    const W = document.documentElement.clientWidth;
    const fits = (r: DOMRect) => r.width === 0 || r.right <= W + 0.5;
    const inScrollBox = (el: Element | null) => {
      for (let x = el?.parentElement ?? null; x && x !== document.body; x = x.parentElement) {
        const o = getComputedStyle(x).overflowX;
        if (o === 'auto' || o === 'scroll') return fits(x.getBoundingClientRect());
      }
      return false;
    };
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`;
    const outside: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (!fits(r) && getComputedStyle(el).position !== 'fixed' && !inScrollBox(el)) outside.push(`${name(el)} ends at ${Math.round(r.right)} px`);
    }
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(n);
      const r = range.getBoundingClientRect();
      if (!fits(r) && !inScrollBox(n.parentElement)) outside.push(`text "${(n.textContent ?? '').trim().slice(0, 40)}" in ${name(n.parentElement!)} ends at ${Math.round(r.right)} px`);
    }
    return { scrollWidth: document.documentElement.scrollWidth, viewport: W, outside: outside.slice(0, 10) };
  });
}

/**
 * Scrolls the first `selector` into view inside its table box; true when it is then on screen, not
 * under the sticky first column, and that first column (which row this is) is on screen beside it. The replay re-renders rows as it runs: a row replaced mid-check is tried again.
 */
async function reachable(p: Page, selector: string): Promise<boolean> {
  let last = false;
  for (let attempt = 0; attempt < 5 && !last; attempt++) {
    if (attempt > 0) await p.waitForTimeout(200 * attempt);
    last = await reachableOnce(p, selector).catch(() => false);
  }
  return last;
}

async function reachableOnce(p: Page, selector: string): Promise<boolean> {
  const cell = p.locator(selector).first();
  return cell.evaluate((el) => {
    // Mid-screen, clear of the notes that float at the bottom.
    el.scrollIntoView({ block: 'center', inline: 'center' });
    const seen = (x: Element) => {
      const r = x.getBoundingClientRect();
      if (r.left < 0 || r.right > document.documentElement.clientWidth + 0.5) return false;
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return hit !== null && (hit === x || x.contains(hit));
    };
    // The row still says which it is: its first cell stays on screen while the figures scroll by.
    const first = el.closest('tr')?.firstElementChild;
    return seen(el) && (!first || seen(first));
  });
}

async function openView(id: string, key: string): Promise<void> {
  // The keyboard way in (Alt+1..8), as a person on a keyboard would.
  await page.keyboard.press(`Alt+${key}`);
  await page.locator(`[data-view="${id}"]`).waitFor({ timeout: 60_000 });
  await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/${id}`);
}

describe('every view at 390 px', () => {
  it('fits the screen: nothing past the right edge except inside a table that scrolls in its own box', async () => {
    // Trades to list: the demo replay has closed a few.
    await page.locator('[data-overview-agents]').waitFor({ timeout: 90_000 });
    await expect
      .poll(async () => (await page.locator('[data-overview-agents] tbody tr td:last-child').allTextContents()).reduce((n, c) => n + Number(c.replace(/,/g, '')), 0), { timeout: 120_000 })
      .toBeGreaterThan(2);
    const titles: Record<string, number> = {};
    for (const v of VIEWS) {
      await openView(v.id, v.key);
      // Let lazy parts (stored bars, models, the cTrader note) arrive before measuring.
      await page.waitForTimeout(1500);
      const o = await overflow(page);
      expect({ view: v.id, ...o }).toEqual({ view: v.id, scrollWidth: PHONE.width, viewport: PHONE.width, outside: [] });
      titles[v.id] = await page.locator(`[data-view="${v.id}"] [data-page-header] h1`).evaluate((h) => Math.round(h.getBoundingClientRect().left));
    }
    // One page header: every title starts at the same place.
    expect(new Set(Object.values(titles)).size, JSON.stringify(titles)).toBe(1);
  });

  it('key columns can be reached: Net P&L and Return on Trades, Open on the Overview, metrics on Models', async () => {
    await openView('trades', '3');
    await page.locator('[data-trade-row]').first().waitFor({ timeout: 60_000 });
    expect(await reachable(page, '[data-trade-row] [data-col="net-pnl"]')).toBe(true);
    expect(await reachable(page, '[data-trade-row] [data-col="return"]')).toBe(true);
    expect(await reachable(page, '[data-trade-row] [data-col="tags"]')).toBe(true);
    await openView('overview', '1');
    expect(await reachable(page, '[data-overview-agents] tbody tr td:nth-child(4)')).toBe(true);
    expect(await reachable(page, '[data-overview-agents] tbody tr td:last-child')).toBe(true);
    await openView('models', '6');
    await page.locator('[data-model] [data-training-window]').first().waitFor({ timeout: 60_000 });
    // Every figure of every model on screen without scrolling sideways (cards, not a wide table).
    const off = await page.evaluate(() =>
      [...document.querySelectorAll('[data-model] dd')].filter((dd) => {
        const r = dd.getBoundingClientRect();
        return r.width === 0 || r.left < 0 || r.right > document.documentElement.clientWidth;
      }).length,
    );
    expect(await page.locator('[data-model] dd').count()).toBeGreaterThan(10);
    expect(off).toBe(0);
  });
});

describe('reads right', () => {
  it('chart controls are drawn icons, not font glyphs that a machine may lack', async () => {
    await openView('agents', '2');
    const zoomIn = page.locator('[data-chart-control="zoom-in"]').first();
    await zoomIn.waitFor({ timeout: 60_000 });
    expect(await zoomIn.locator('svg path').count()).toBe(1);
    expect((await zoomIn.textContent())?.trim()).toBe('');
    expect(await zoomIn.getAttribute('aria-label')).toBe('Zoom in');
  });

  it('the standalone PWA offers no "Run on relay": no relay is attached', async () => {
    await page.locator('[data-agent-card="demo-sma"]').waitFor({ timeout: 60_000 });
    // The relay probe has answered (index.html from the static host) by the time the cards are up; give it a moment more.
    await page.waitForTimeout(1000);
    expect(await page.locator('[data-action="to-relay"]').count()).toBe(0);
    expect(await page.locator('[data-relay-form]').count()).toBe(0); // not on this view
  });

  it('the backtest form takes times as YYYY-MM-DD HH:mm UTC, labels its parameters and has a real Long only checkbox', async () => {
    await openView('backtest', '5');
    await page.waitForFunction(() => (document.querySelector('[data-field="series"] select') as HTMLSelectElement | null)?.value === 'EURUSD|H1', undefined, { timeout: 90_000 });
    for (const f of ['from', 'to']) {
      const input = page.locator(`[data-input="${f}"]`);
      expect(await input.getAttribute('type')).toBe('text');
      expect(await input.inputValue()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    }
    await page.fill('[data-input="from"]', '04/19/2017');
    await page.click('[data-action="run-backtest"]');
    expect(await page.textContent('[data-error-for="from"]')).toContain('YYYY-MM-DD');
    expect(await page.locator('[data-backtest-result]').count()).toBe(0);
    const longOnly = page.locator('[data-field="param.longOnly"]');
    expect(await longOnly.locator('label').textContent()).toBe('Long only (flat instead of short)');
    expect(await page.locator('[data-field="param.fast"] label').textContent()).toBe('Fast average period');
    const box = await longOnly.locator('input[type="checkbox"]').boundingBox();
    expect(box && box.width >= 10 && box.height >= 10).toBe(true);
    await longOnly.locator('input[type="checkbox"]').check();
    expect(await longOnly.locator('input[type="checkbox"]').isChecked()).toBe(true);
  });

  it('pages the decisions, one page of rows at a time', async () => {
    await openView('decisions', '4');
    const range = page.locator('[data-pager="decisions"] [data-page-range]');
    await range.waitFor({ timeout: 90_000 });
    expect(await range.textContent()).toBe('decisions 1–100');
    expect(await page.locator('[data-decisions-table] tbody tr[data-decision]').count()).toBe(100);
    const newest = await page.locator('[data-decisions-table] tbody tr[data-decision] td').first().textContent();
    await page.click('[data-pager="decisions"] [data-page="older"]');
    await expect.poll(() => range.textContent()).toBe('decisions 101–200');
    expect(await page.locator('[data-decisions-table] tbody tr[data-decision] td').first().textContent()).not.toBe(newest);
  });
});
