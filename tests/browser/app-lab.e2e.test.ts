/**
 * The strategy lab in the real app (a production build in Chromium): an
 * invalid program typed into the editor is underlined and explained with its
 * line and column as it is typed; fixed, it compiles; Test backtests it in the
 * backtest worker to the figures the engine's cell test gives in Node; Create
 * stores it in this browser's IndexedDB with its status; Fork with a change
 * shows the diff against the parent; the lineage shows parent and child with
 * their fitness and status; Deploy as agent creates a paper agent on the cell
 * that takes decisions in the engine.
 *
 * Screenshot: docs/screenshots/lab.png with TRADEGUARD_SCREENSHOTS=docs (else a temp dir).
 */
import { mkdtemp } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAppHarness, type AppHarness } from './app-harness.ts';
import { startRelayInBrowser, type RelayInBrowser } from '../relay/relay-browser.ts';
import { importBarsCsv } from '../../workers/market/csv.ts';
import { demoReplayBars } from '../../workers/engine/demo.ts';
import { testCell } from '../../workers/cells/cell-test.ts';
import { registerCellStrategy } from '../../workers/strategies/index.ts';
import { checkSource } from '../../workers/lab/compile.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

let harness: AppHarness;
let page: Page;
let shots: string;

beforeAll(async () => {
  // Ten hourly bars a second: the deployed agent meets new bars within the test.
  harness = await startAppHarness({ speed: 36_000 });
  shots = process.env.TRADEGUARD_SCREENSHOTS === 'docs' ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)) : await mkdtemp(join(tmpdir(), 'tradeguard-shots-'));
  page = await harness.newPage('#/lab');
  await page.setViewportSize({ width: 1280, height: 900 });
});

afterAll(async () => {
  if (harness?.errors.length) console.info(`page errors:\n  ${harness.errors.join('\n  ')}`);
  await harness?.close();
});

const csv = readFileSync(fileURLToPath(new URL('../../public/data/EURUSD.csv', import.meta.url)), 'utf8');
/** What the demo workspace stores as EURUSD H1, which the lab tests on. */
const series = demoReplayBars(importBarsCsv(csv, { symbol: 'EURUSD' }).series!);

const BAD = 'long when crosses_above(sma(close, 8), sma(close, 20))\nshort when close < smaa(close, 20)\n';
const GOOD = '# A faster cross than the built-in one, with its own stop.\nlong when crosses_above(sma(close, 8), sma(close, 20))\nshort when crosses_below(sma(close, 8), sma(close, 20))\nstop 1.5 * atr(14)\n';
const FORKED = GOOD.replaceAll('sma(close, 8)', 'sma(close, 6)');

const metric = (key: string) => page.locator(`[data-lab-test-result] [data-metric="${key}"] td`).textContent();
const numberIn = (s: string | null) => Number((s ?? '').replace(/[^0-9.\-]/g, ''));

/** Replaces the editor's text by typing it, as a person would (every keystroke an input event). */
async function typeProgram(text: string) {
  const editor = page.locator('[data-lab-source]');
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await editor.pressSequentially(text, { delay: 0 });
}

/** An element's picture, without the sticky top bar drawn over it. */
async function shot(el: Locator, name: string) {
  await page.locator('[data-offline-ready] button').click({ timeout: 1000 }).catch(() => undefined);
  const style = await page.addStyleTag({ content: '.topbar { position: static !important; } .toasts { display: none !important; }' });
  await el.screenshot({ path: join(shots, `${name}.png`) });
  await style.evaluate((s) => (s as Element).remove());
}

let parentId = '';
let childId = '';

describe('Strategy lab', () => {
  it('lists the built-in cells with their status once the workspace has its bars', async () => {
    await page.waitForSelector('[data-view="lab"]');
    for (const id of ['sma-cross', 'mean-reversion', 'breakout', 'regime-switch']) await page.locator(`[data-cell="${id}"]`).waitFor({ timeout: 120_000 });
    // Seeded once the engine had stored the demo bars: each tested on EURUSD H1.
    const status = await page.locator('[data-cell="sma-cross"] [data-status]').textContent();
    expect(status).toMatch(/^(🟢 alive|💀 dead — .+)$/);
    expect(status).not.toContain('never tested');
    expect(Number(await page.locator('[data-cell="sma-cross"] td').nth(5).textContent())).toBeGreaterThan(0);
    expect(await page.locator('[data-cell="sma-cross"] td').nth(2).textContent()).toContain('TradeGuard');
  });

  it('underlines an error as it is typed and says where it is and what to do; fixing it clears it', async () => {
    await typeProgram(BAD);
    const expected = checkSource(BAD).errors[0];
    expect(expected).toMatchObject({ line: 2 });
    const problem = page.locator('[data-lab-problem="error"]').first();
    await problem.waitFor();
    expect(await problem.getAttribute('data-line')).toBe('2');
    expect(await problem.getAttribute('data-column')).toBe(String(expected.column));
    const text = await problem.textContent();
    expect(text).toContain(`line 2, column ${expected.column}: error`);
    expect(text).toContain(expected.message);
    expect(text).toContain(expected.hint);
    // The underline is on the unknown name in the highlighted copy.
    expect((await page.locator('.lab-layer .p-error').allTextContents()).join('')).toMatch(/^smaa/);
    expect(await page.getAttribute('[data-lab-source]', 'aria-invalid')).toBe('true');

    await typeProgram(GOOD);
    await page.locator('[data-lab-ok]').waitFor();
    expect(await page.locator('[data-lab-problem]').count()).toBe(0);
    expect(await page.locator('.lab-layer .t-fn').first().textContent()).toBe('crosses_above');
  });

  it('Test backtests the program in the worker with progress to 100 % and the figures of the cell test in Node', async () => {
    await page.click('[data-action="test-cell"]');
    await page.locator('[data-lab-test-result]').waitFor({ timeout: 120_000 });
    expect(await page.getAttribute('[data-progress]', 'data-progress')).toBe('100');
    registerCellStrategy('lab:e2e-good', 'e2e', GOOD);
    const node = await testCell('lab:e2e-good', series);
    expect(node.result.metrics.trades).toBeGreaterThan(0);
    expect(numberIn(await metric('trades'))).toBe(node.result.metrics.trades);
    expect(numberIn(await metric('sharpe'))).toBeCloseTo(node.result.metrics.sharpe, 1);
    expect(await page.locator('[data-lab-verdict]').textContent()).toMatch(/^(🟢 alive|💀 dead — .+)$/);
  });

  it('Create stores the cell in this browser with its author, generation 0 and status', async () => {
    await page.fill('[data-input="cell-name"]', 'Fast cross');
    await page.fill('[data-input="cell-hypothesis"]', 'A faster average catches EURUSD H1 trends earlier');
    await page.click('[data-action="create-cell"]');
    const row = page.locator('[data-cell^="fast-cross-"]');
    await row.waitFor({ timeout: 60_000 });
    parentId = (await row.getAttribute('data-cell'))!;
    expect(await row.locator('td').nth(2).textContent()).toContain('Trader');
    expect(await row.locator('td').nth(3).textContent()).toBe('0');
    expect(await row.locator('[data-status]').textContent()).toMatch(/^(🟢 alive|💀 dead — .+)$/);
    // Stored in IndexedDB: the record outlives the page.
    const stored = await page.evaluate(async (id) => {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open('tradeguard');
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      const c = await new Promise<{ source: string } | undefined>((res, rej) => {
        const r = db.transaction('cells').objectStore('cells').get(id);
        r.onsuccess = () => res(r.result as { source: string } | undefined);
        r.onerror = () => rej(r.error);
      });
      db.close();
      return c?.source ?? null;
    }, parentId);
    expect(stored).toBe(GOOD);
  });

  it('Fork with a change shows the diff against the parent, and the lineage shows parent and child', async () => {
    await page.locator(`[data-cell="${parentId}"] [data-action="fork"]`).click();
    expect(await page.inputValue('[data-lab-source]')).toBe(GOOD);
    await typeProgram(FORKED);
    await page.fill('[data-input="cell-mutation"]', 'fast average 8 -> 6');
    const form = page.locator('[data-lab-editor] [data-lab-diff]');
    await form.waitFor();
    expect(await form.locator('[data-diff="del"]').allTextContents()).toEqual(['−long when crosses_above(sma(close, 8), sma(close, 20))', '−short when crosses_below(sma(close, 8), sma(close, 20))']);
    expect(await form.locator('[data-diff="add"]').allTextContents()).toEqual(['+long when crosses_above(sma(close, 6), sma(close, 20))', '+short when crosses_below(sma(close, 6), sma(close, 20))']);
    await page.click('[data-action="create-cell"]');

    const lineage = page.locator('[data-lab-lineage]');
    await lineage.locator('[data-depth="1"]').waitFor({ timeout: 60_000 });
    childId = (await lineage.locator('[data-depth="1"]').getAttribute('data-node'))!;
    expect(childId).not.toBe(parentId);
    expect(await lineage.locator(`[data-node="${parentId}"]`).getAttribute('data-depth')).toBe('0');
    const child = page.locator(`[data-cell="${childId}"]`);
    expect(await child.locator('td').nth(3).textContent()).toBe('1');
    expect(await lineage.locator(`[data-node="${childId}"]`).textContent()).toContain('fast average 8 -> 6');
    expect(await lineage.locator(`[data-node="${childId}"] [data-status]`).textContent()).toMatch(/^(🟢 alive|💀 dead — .+)$/);
    // The selected child's source against its parent's, and both generations on the chart.
    expect(await lineage.locator('[data-lab-diff] [data-diff="add"]').count()).toBe(2);
    expect(await lineage.locator('[data-chart="fitness-by-generation"]').getAttribute('data-generations')).toBe('2');
    expect(await lineage.locator('[data-chart="fitness-by-generation"] canvas').count()).toBeGreaterThan(0);
    await shot(page.locator('[data-view="lab"]'), 'lab');
  });

  it('Deploy as agent creates a paper agent on the cell that decides in the engine', async () => {
    await page.locator(`[data-cell="${childId}"] [data-action="deploy"]`).click();
    const card = page.locator(`[data-agent-card="lab-${childId}"]`);
    await card.waitFor({ timeout: 60_000 });
    expect(await card.locator('[data-agent-mode]').getAttribute('data-agent-mode')).toBe('paper');
    // The engine built it from the stored cell and runs it: decisions reach the record.
    await expect
      .poll(
        () =>
          page.evaluate(async (id) => {
            const db = await new Promise<IDBDatabase>((res, rej) => {
              const r = indexedDB.open('tradeguard');
              r.onsuccess = () => res(r.result);
              r.onerror = () => rej(r.error);
            });
            const n = await new Promise<number>((res, rej) => {
              const r = db.transaction('decisions').objectStore('decisions').index('agentId').count(id);
              r.onsuccess = () => res(r.result);
              r.onerror = () => rej(r.error);
            });
            db.close();
            return n;
          }, `lab-${childId}`),
        { timeout: 90_000 },
      )
      .toBeGreaterThan(0);
    expect(harness.errors).toEqual([]);
  });
});

describe('Strategy lab attached to a relay', () => {
  let session: RelayInBrowser;
  let rpage: Page;
  beforeAll(async () => {
    session = await startRelayInBrowser(36_000);
    rpage = session.page;
    await rpage.setViewportSize({ width: 1280, height: 900 });
  }, 300_000);
  afterAll(async () => {
    await session?.close();
  });

  it("creates, forks and deploys through the relay's cells API: the cells are in the relay's store, the agent on the relay", async () => {
    const { relay } = session;
    await rpage.goto(`${relay.url}/#login=${relay.oneTimeToken}`);
    await expect.poll(() => rpage.textContent('.engine-badge'), { timeout: 30_000 }).toContain('Engine: relay');
    await rpage.click('nav a[href="#/lab"]');
    // GET /api/cells seeded the built-in cells on the relay, tested on its EURUSD H1.
    await rpage.locator('[data-cell="breakout"]').waitFor({ timeout: 120_000 });
    expect(await rpage.textContent('[data-view="lab"] h2 .muted')).toContain('on the relay');
    expect((await relay.store.cells.get('breakout'))?.results.length).toBe(1);

    await rpage.locator('[data-lab-source]').fill(GOOD);
    await rpage.fill('[data-input="cell-name"]', 'Relay cross');
    await rpage.fill('[data-input="cell-hypothesis"]', 'made on the relay');
    await rpage.click('[data-action="create-cell"]');
    const row = rpage.locator('[data-cell^="relay-cross-"]');
    await row.waitFor({ timeout: 60_000 });
    const id = (await row.getAttribute('data-cell'))!;
    const stored = await relay.store.cells.get(id);
    expect(stored?.source).toBe(GOOD);
    expect(stored?.author).toEqual({ kind: 'person', name: 'Trader' });

    await row.locator('[data-action="fork"]').click();
    await rpage.locator('[data-lab-source]').fill(FORKED);
    await rpage.fill('[data-input="cell-mutation"]', 'fast average 8 -> 6');
    await rpage.click('[data-action="create-cell"]');
    const lineage = rpage.locator('[data-lab-lineage]');
    await lineage.locator('[data-depth="1"]').waitFor({ timeout: 60_000 });
    const child = (await lineage.locator('[data-depth="1"]').getAttribute('data-node'))!;
    expect((await relay.store.cells.get(child))).toMatchObject({ parentId: id, generation: 1, mutation: 'fast average 8 -> 6', source: FORKED });

    await rpage.locator(`[data-cell="${child}"] [data-action="deploy"]`).click();
    await rpage.locator(`[data-agent-card="lab-${child}"]`).waitFor({ timeout: 60_000 });
    const agent = (await relay.host.status()).agents.find((a) => a.id === `lab-${child}`);
    expect(agent).toBeDefined();
    expect(agent!.mode).toBe('paper');
  });
});
