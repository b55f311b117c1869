/**
 * A browser run kept in the settings (workers/cells/evolution-record.ts): saved
 * at its milestones, listed after the page that ran it died, said to be
 * interrupted, and resumed from its kept spec and stored cells to the same end
 * as a run never interrupted. The page's side (Web Locks, the Evolve list) is
 * in tests/browser/app-lab-evolve.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { EngineStore, SettingsRepository } from '../../workers/store/store.ts';
import { inProcessEvaluator, runCells, runEvolution, type Evaluate, type EvolutionProgress } from '../../workers/cells/evolution-run.ts';
import { EVOLUTION_RUN_KEY_PREFIX, EVOLUTION_RUNS_KEPT, interruptedProgress, pruneRunRecords, recordRun, runRecord, runRecords, saveRunRecord } from '../../workers/cells/evolution-record.ts';
import { eurusd, evolutionSpec, labStore, T0 } from './evolution-fixture.ts';


const lab = () => labStore();

const spec = evolutionSpec({ seed: 29, population: 8, keep: 2 });

const progress = (over: Partial<EvolutionProgress> = {}): EvolutionProgress => ({ runId: 'evo-1', status: 'running', generation: 1, generations: 3, evaluated: 4, total: 26, discarded: 0, duplicates: 0, best: null, survivors: [], ...over });

/** The store's settings, counting the writes. */
function counted(settings: SettingsRepository): SettingsRepository & { puts: number } {
  const c = { ...settings, puts: 0, put: (key: string, value: unknown) => ((c.puts += 1), settings.put(key, value)) };
  return c;
}

describe('kept evolution runs', () => {
  it('lists the records newest first, keeps an infinite best fitness, skips what is not a record and drops the oldest past the limit', async () => {
    const { settings } = createMemoryStore();
    await saveRunRecord(settings, { runId: 'evo-a', spec, progress: progress({ runId: 'evo-a', best: { cellId: 'c1', fitness: Infinity } }), savedAt: 2 });
    await saveRunRecord(settings, { runId: 'evo-b', spec, progress: progress({ runId: 'evo-b', best: { cellId: 'c2', fitness: -1.5 } }), savedAt: 3 });
    await settings.put(`${EVOLUTION_RUN_KEY_PREFIX}junk`, { runId: 7 });
    await settings.put('other', { runId: 'evo-c', spec, progress: progress(), savedAt: 9 });
    const listed = await runRecords(settings);
    expect(listed.map((r) => r.runId)).toEqual(['evo-b', 'evo-a']);
    expect(listed[1].progress.best).toEqual({ cellId: 'c1', fitness: Infinity });
    expect(listed[0].spec).toEqual(spec);
    expect((await runRecord(settings, 'evo-a'))?.savedAt).toBe(2);
    expect(await runRecord(settings, 'evo-z')).toBeNull();

    for (let k = 0; k < EVOLUTION_RUNS_KEPT; k++) await saveRunRecord(settings, { runId: `evo-n${k}`, spec, progress: progress(), savedAt: 10 + k });
    await pruneRunRecords(settings);
    const kept = (await runRecords(settings)).map((r) => r.runId);
    expect(kept).toHaveLength(EVOLUTION_RUNS_KEPT);
    expect(kept).not.toContain('evo-a');
    expect(kept).not.toContain('evo-b');
    expect(await settings.get('other')).toBeDefined();
  });

  it('says what an interrupted run is known to have done, claiming no more', () => {
    const p = interruptedProgress({ runId: 'evo-1', spec, progress: progress({ generation: 2 }), savedAt: 1 }, 11);
    expect(p.status).toBe('interrupted');
    expect(p.message).toBe('interrupted by a reload (or its tab was closed) in generation 2 of 3; 11 cells stored, resume continues from them');
    expect(interruptedProgress({ runId: 'evo-1', spec, progress: progress({ generation: 0 }), savedAt: 1 }, 0).message).toContain('before its first backtest ended; 0 cells stored');
  });

  it('saves a run at its milestones, and one whose page died mid-run resumes from the kept spec to the cells of a run never interrupted', async () => {
    const deps = (store: EngineStore) => ({ store, now: () => T0 });
    const whole = await runEvolution(deps(await lab()), spec, { runId: 'evo-kept' });
    if (!whole.ok) throw new Error(whole.message);

    const store = await lab();
    const settings = counted(store.settings);
    const series = (await store.bars.get('EURUSD', 'H1'))!;
    const inner = inProcessEvaluator(series);
    let evaluations = 0;
    // The page dies in the second generation: its next backtest never answers, nothing more is saved.
    const dying: Evaluate = (job) => (++evaluations > spec.population + 3 ? new Promise(() => undefined) : inner(job));
    const recorder = recordRun(settings, 'evo-kept', spec, () => T0);
    const emits: EvolutionProgress[] = [];
    void runEvolution(deps(store), spec, { runId: 'evo-kept', evaluate: dying, onProgress: (p) => (emits.push(p), recorder.progress(p)) });
    await expect.poll(() => evaluations, { timeout: 60_000 }).toBe(spec.population + 4);
    await recorder.flushed();
    expect(recorder.problem()).toBeNull();
    // Not every backtest: one write a generation reached and one a survivor list.
    expect(settings.puts).toBeGreaterThanOrEqual(2);
    expect(settings.puts).toBeLessThan(emits.length);

    const [kept] = await runRecords(settings);
    expect(kept).toMatchObject({ runId: 'evo-kept', spec, progress: { status: 'running', generation: 2 } });
    const stored = (await runCells(store, 'evo-kept')).length;
    expect(stored).toBe(spec.population + 3);
    expect(interruptedProgress(kept, stored).message).toContain('in generation 2 of 3; 11 cells stored');

    // After the reload: the kept spec and run id, on a new recorder.
    const again = recordRun(settings, kept.runId, kept.spec, () => T0);
    const resumed = await runEvolution(deps(store), kept.spec, { runId: kept.runId, onProgress: again.progress });
    if (!resumed.ok) throw new Error(resumed.message);
    expect(resumed.cells).toEqual(whole.cells);
    expect(resumed.progress.status).toBe('done');
    await again.flushed();
    expect((await runRecord(settings, 'evo-kept'))?.progress).toEqual(resumed.progress);
  }, 120_000);
});
