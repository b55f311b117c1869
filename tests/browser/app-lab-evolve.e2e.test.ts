/**
 * Evolution in the real app (a production build in Chromium, this browser's
 * own workspace): the Evolve panel breeds children of two built-in cells on a
 * pool of Web Workers (one per core), shows the run's progress, stores the
 * children in IndexedDB (the cells list shows them, generation 1..2, author
 * the evolution run); the same seed breeds the same children again (ids that
 * differ only by the run id, same sources, parents, mutations and results);
 * a run cancelled between backtests is resumed from its stored cells and
 * completes; a run cut by a reload is listed after it as interrupted (not
 * running) and its Resume ends with the cells of an uninterrupted run of the
 * same seed.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAppHarness, type AppHarness } from './app-harness.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

let harness: AppHarness;
let page: Page;

beforeAll(async () => {
  harness = await startAppHarness();
  page = await harness.newPage('#/lab');
  await page.setViewportSize({ width: 1280, height: 900 });
});

afterAll(async () => {
  if (harness?.errors.length) console.info(`page errors:\n  ${harness.errors.join('\n  ')}`);
  await harness?.close();
});

interface StoredCell {
  id: string;
  source: string;
  parentId: string | null;
  mutation: string | null;
  generation: number;
  author: { kind: string; name: string };
  results: { sample: string; metrics: { trades: number } }[];
}

/** The cells in the tab's IndexedDB (the workspace 'tradeguard'), read without the app's code. */
const storedCells = (): Promise<StoredCell[]> =>
  page.evaluate(
    () =>
      new Promise<StoredCell[]>((resolve, reject) => {
        const open = indexedDB.open('tradeguard');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const all = db.transaction('cells', 'readonly').objectStore('cells').getAll();
          all.onsuccess = () => (db.close(), resolve(all.result as StoredCell[]));
          all.onerror = () => reject(all.error);
        };
      }),
  );

const progress = { run: () => page.getAttribute('[data-evolve-progress]', 'data-run') };

/** Fills the panel and presses Start; the run's id once the panel shows it running. */
async function startRun(o: { seed: number; population: number; generations: number; keep: number }, before: string | null): Promise<string> {
  const panel = page.locator('[data-lab-evolve]');
  await panel.locator('[data-input="evolve-parents"]').selectOption(['sma-cross', 'breakout']);
  await panel.locator('[data-input="evolve-seed"]').fill(String(o.seed));
  await panel.locator('[data-input="evolve-population"]').fill(String(o.population));
  await panel.locator('[data-input="evolve-generations"]').fill(String(o.generations));
  await panel.locator('[data-input="evolve-keep"]').fill(String(o.keep));
  await panel.locator('[data-input="evolve-min-trades"]').fill('3');
  await panel.locator('[data-action="evolve-start"]').click();
  await page.waitForFunction((prev) => {
    const el = document.querySelector('[data-evolve-progress]');
    return (!!el && el.getAttribute('data-run') !== prev) || !!document.querySelector('[data-evolve-problem]');
  }, before).catch(async (e: Error) => {
    // Say what the page shows (a view that failed says why) rather than only that it timed out.
    throw new Error(`${e.message}; the page: ${(await page.evaluate(() => document.body.innerText)).slice(0, 1500)}`);
  });
  const refused = await page.locator('[data-evolve-problem]').textContent({ timeout: 100 }).catch(() => null);
  if (refused) throw new Error(`the run did not start: ${refused}`);
  return (await progress.run())!;
}

/** Waits for the run to end, collecting the generations the panel showed on the way. */
async function finished(runId: string): Promise<{ status: string; generations: number[]; text: string }> {
  const generations: number[] = [];
  for (;;) {
    // Generation, status and text in one read: the panel may change between two reads.
    const now = await page.evaluate((id) => {
      const el = document.querySelector(`[data-evolve-progress][data-run="${id}"]`);
      return el && { g: Number(el.getAttribute('data-generation')), status: el.getAttribute('data-status')!, text: el.textContent! };
    }, runId);
    if (!now) throw new Error(`the panel no longer shows run ${runId}`);
    if (generations.at(-1) !== now.g) generations.push(now.g);
    if (now.status !== 'running') return { status: now.status, generations, text: now.text };
    await page.waitForTimeout(50);
  }
}

/** A run's children with the run id taken out (of their ids, parents' ids, author and mutations) and no creation time. */
const bred = (cells: StoredCell[], runId: string) =>
  cells
    .filter((c) => c.author.name === runId)
    .map((c) => ({ ...(JSON.parse(JSON.stringify(c).replaceAll(runId, 'RUN')) as StoredCell), createdAt: undefined }))
    .sort((a, b) => a.id.localeCompare(b.id));

let first = '';

describe('Lab evolution in the browser', () => {
  it('breeds a tiny run on one worker per core, with progress, and lists the children with their generation and author', async () => {
    for (const id of ['sma-cross', 'breakout']) await page.locator(`[data-cell="${id}"]`).waitFor({ timeout: 120_000 });
    await page.locator('[data-input="evolve-parents"] option[value="breakout"]').waitFor();
    first = await startRun({ seed: 7, population: 6, generations: 2, keep: 2 }, null);
    expect(first).toMatch(/^evo-7-[0-9a-f]{8}$/);
    const end = await finished(first);
    expect(end.status).toBe('done');
    expect(end.text).toContain('generation 2 of 2');
    expect(end.text).toMatch(/best fitness -?[0-9.,∞]+ \(evo-7-/);
    expect(end.generations.at(-1)).toBe(2);
    expect([...end.generations].sort()).toEqual(end.generations);
    // The backtests ran on the pool: as many evolution workers as the browser reports cores.
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(page.workers().filter((w) => w.url().includes('evolution')).length).toBe(Math.min(16, Math.max(1, cores)));

    const children = (await storedCells()).filter((c) => c.author.name === first);
    expect(children.length).toBeGreaterThanOrEqual(6);
    expect(new Set(children.map((c) => c.generation))).toEqual(new Set([1, 2]));
    for (const c of children) {
      expect(c.author.kind).toBe('evolution');
      expect(c.results[0].sample).toBe('in');
      const row = page.locator(`[data-cell="${c.id}"]`);
      await row.waitFor();
      expect(await row.locator('td').nth(2).textContent()).toBe(`${first} (evolution)`);
      expect(Number(await row.locator('td').nth(3).textContent())).toBe(c.generation);
    }
    // The survivors were validated out of sample.
    expect(children.some((c) => c.results.some((r) => r.sample === 'out'))).toBe(true);
  });

  it('breeds the same children from the same seed', async () => {
    const again = await startRun({ seed: 7, population: 6, generations: 2, keep: 2 }, first);
    expect(again).not.toBe(first);
    expect((await finished(again)).status).toBe('done');
    const cells = await storedCells();
    const a = bred(cells, first);
    const b = bred(cells, again);
    expect(b.map((c) => c.id)).toEqual(a.map((c) => c.id));
    expect(b).toEqual(a);
    expect(new Set(a.map((c) => c.source)).size).toBe(a.length);
  });

  it('cancels between backtests and resumes from the stored cells to the end', async () => {
    const prev = await progress.run();
    // A bigger run, stopped as soon as the panel shows a backtest done.
    const runId = await startRun({ seed: 11, population: 40, generations: 3, keep: 3 }, prev);
    await page.waitForFunction(() => Number(document.querySelector('[data-evolve-progress]')?.getAttribute('data-evaluated')) > 0);
    await page.locator('[data-action="evolve-cancel"]').click();
    const cut = await finished(runId);
    expect(cut.status).toBe('cancelled');
    expect(cut.text).toMatch(new RegExp(`cancelled after \\d+ of \\d+ backtests; resume with run id ${runId}`));
    const kept = (await storedCells()).filter((c) => c.author.name === runId);
    expect(kept.length).toBeGreaterThan(0);

    await page.locator('[data-action="evolve-resume"]').click();
    await page.waitForFunction((id) => document.querySelector('[data-evolve-progress]')?.getAttribute('data-run') === id && document.querySelector('[data-evolve-progress]')?.getAttribute('data-status') === 'running', runId).catch(() => undefined);
    const end = await finished(runId);
    expect(end.status).toBe('done');
    const all = (await storedCells()).filter((c) => c.author.name === runId);
    // The cells stored before the cancel are the same cells, not bred or tested in sample again.
    // A survivor whose generation was cut before its out-of-sample check gets that check on
    // resume: its record may gain the 'out' result (and the verdict it implies), nothing else.
    for (const k of kept) {
      const now = all.find((c) => c.id === k.id);
      expect(now).toBeDefined();
      const inSample = (c: typeof k) => c.results.filter((r) => r.sample === 'in');
      expect({ ...now!, results: inSample(now!), status: undefined }).toEqual({ ...k, results: inSample(k), status: undefined });
      if (k.results.some((r) => r.sample === 'out')) expect(now).toEqual(k);
    }
    expect(Math.max(...all.map((c) => c.generation))).toBeGreaterThanOrEqual(2);
    expect(all.some((c) => c.results.some((r) => r.sample === 'out'))).toBe(true);
  });

  it('lists a run cut by a reload as interrupted, and its Resume ends with the cells of an uninterrupted run of the same seed', async () => {
    // Big enough that the reload lands while children are still being bred: at 60 a run could store all 180
    // before the reload reached the page, and its resume had nothing left to breed.
    const o = { seed: 13, population: 300, generations: 3, keep: 3 };
    const runId = await startRun(o, await progress.run());
    await page.waitForFunction(() => Number(document.querySelector('[data-evolve-progress]')?.getAttribute('data-evaluated')) > 0);
    await page.reload();
    await page.locator('[data-shell-ready]').waitFor({ timeout: 60_000 });
    const row = page.locator(`[data-evolve-run="${runId}"]`);
    await row.waitFor({ timeout: 120_000 });
    // Nothing runs it any more: said so, with the cells it stored (as many as IndexedDB holds), and no progress shown as running.
    expect(await row.getAttribute('data-status')).toBe('interrupted');
    const kept = (await storedCells()).filter((c) => c.author.name === runId);
    expect(kept.length).toBeGreaterThan(0);
    expect(await row.textContent()).toMatch(new RegExp(`interrupted by a reload \\(or its tab was closed\\) (in generation \\d of 3|before its first backtest ended); ${kept.length} cells stored, resume continues from them`));
    expect(await page.locator('[data-evolve-progress]').count()).toBe(0);
    expect(await page.locator('[data-action="evolve-start"]').isEnabled()).toBe(true);

    // Resumed with its kept spec (the form shows the defaults again).
    await row.locator('[data-action="evolve-resume-run"]').click();
    await page.waitForFunction((id) => document.querySelector('[data-evolve-progress]')?.getAttribute('data-run') === id, runId);
    const end = await finished(runId);
    expect(end.status).toBe('done');
    await expect.poll(() => row.getAttribute('data-status')).toBe('done');

    const whole = await startRun(o, runId);
    expect((await finished(whole)).status).toBe('done');
    const cells = await storedCells();
    const resumed = bred(cells, runId);
    expect(resumed.length).toBeGreaterThan(kept.length);
    expect(resumed).toEqual(bred(cells, whole));
    // The cells stored before the reload were kept, not bred again (the in-sample record unchanged).
    for (const k of kept) expect(cells.find((c) => c.id === k.id)?.results[0]).toEqual(k.results[0]);
  });
});
