/**
 * Evolution in the PWA attached to a relay: the Evolve panel lists the relay's
 * kept runs (GET /api/cells/evolve); a run the relay was running when it
 * stopped (left in its record as running by a process that died mid-run) is
 * listed as interrupted by a relay restart, with the generation last saved and
 * the cells stored, and its Resume continues it on the relay from the spec the
 * relay kept, to the cells of an uninterrupted run of the same seed.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRelayInBrowser, type RelayInBrowser } from '../relay/relay-browser.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { evolutionRunId, inProcessEvaluator, runCells, runEvolution, type Evaluate } from '../../workers/cells/evolution-run.ts';
import { recordRun } from '../../workers/cells/evolution-record.ts';
import type { EvolutionSpec } from '../../workers/lab/evolution/spec.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

let session: RelayInBrowser;
let page: Page;

beforeAll(async () => {
  // Replayed slowly: the stored bars the runs read stay as they are.
  session = await startRelayInBrowser(1);
  page = session.page;
  await page.setViewportSize({ width: 1280, height: 900 });
});

afterAll(async () => {
  await session?.close();
});

describe('Lab evolution attached to a relay', () => {
  it("lists the relay's run cut by a restart as interrupted and resumes it on the relay from its kept spec", async () => {
    const { relay } = session;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${relay.url}/#login=${relay.oneTimeToken}`);
    await expect.poll(() => page.textContent('.engine-badge'), { timeout: 30_000 }).toContain('Engine: relay');
    await page.click('nav a[href="#/lab"]');
    // The lab's first use seeded the built-in cells on the relay: the parents.
    for (const id of ['sma-cross', 'breakout']) await page.locator(`[data-cell="${id}"]`).waitFor({ timeout: 120_000 });

    // What a relay that died mid-run leaves: the run's record (as the relay writes it) kept as running, and the
    // children it stored. Its evaluations stop answering in the second generation, as a dead process's would.
    const series = (await relay.store.bars.get('EURUSD', 'H1'))!;
    const split = series.time[Math.floor(series.time.length * 0.7)];
    const spec: EvolutionSpec = {
      parents: ['sma-cross', 'breakout'],
      seed: 21,
      population: 6,
      generations: 2,
      keep: 2,
      fitness: 'sharpe',
      minTrades: 3,
      symbol: 'EURUSD',
      timeframe: 'H1',
      // The relay's demo keeps the bundled bars it replays (from 13 November 2017): the first 70 % in sample.
      inSample: { from: series.time[0], to: split - 1 },
      outOfSample: { from: split, to: series.time[series.time.length - 1] },
    };
    const now = () => Date.UTC(2026, 11, 4, 12);
    const lab = { store: relay.store, now };
    const runId = evolutionRunId(spec, now());
    const inner = inProcessEvaluator(series);
    let evaluations = 0;
    const dying: Evaluate = (job) => (++evaluations > spec.population + 2 ? new Promise(() => undefined) : inner(job));
    const recorder = recordRun(relay.store.settings, runId, spec, now);
    let cut: unknown = 'still running';
    void runEvolution(lab, spec, { runId, evaluate: dying, onProgress: recorder.progress }).then(
      (out) => (cut = out),
      (e: unknown) => (cut = e),
    );
    await expect.poll(() => (evaluations > spec.population + 2 ? evaluations : JSON.stringify(cut)), { timeout: 60_000 }).toBe(spec.population + 3);
    await recorder.flushed();
    const stored = (await runCells(relay.store, runId)).length;
    expect(stored).toBe(spec.population + 2);

    // The page lists the relay's runs when it opens the lab.
    await page.reload();
    const row = page.locator(`[data-evolve-run="${runId}"]`);
    await row.waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-lab-evolve] h3').textContent()).toBe('Runs on the relay');
    expect(await row.getAttribute('data-status')).toBe('interrupted');
    expect(await row.textContent()).toContain(`(seed 21, 6 a generation, sma-cross x breakout): interrupted by a relay restart in generation 2 of 2; ${stored} cells stored, resume continues from them`);

    await row.locator('[data-action="evolve-resume-run"]').click();
    const progress = page.locator(`[data-evolve-progress][data-run="${runId}"]`);
    await progress.waitFor({ timeout: 30_000 });
    await expect.poll(() => progress.getAttribute('data-status'), { timeout: 180_000 }).toBe('done');
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 30_000 }).toBe('done');

    // The same run never interrupted, in this thread on a memory store holding the same parents and bars.
    const mem = createMemoryStore();
    await mem.bars.put(series);
    for (const id of spec.parents) await mem.cells.put((await relay.store.cells.get(id))!);
    const whole = await runEvolution({ store: mem, now }, spec, { runId });
    if (!whole.ok) throw new Error(whole.message);
    const byId = <T extends { id: string }>(cells: T[]) => [...cells].sort((a, b) => a.id.localeCompare(b.id));
    const onRelay = byId(await runCells(relay.store, runId)).map(({ createdAt: _c, ...c }) => c);
    expect(onRelay).toEqual(byId(whole.cells).map(({ createdAt: _c, ...c }) => c));
    expect(errors).toEqual([]);
  });
});
