import { describe, expect, it } from 'vitest';
import type { EngineStore } from '../../workers/store/store.ts';
import type { Cell } from '../../workers/lab/cell.ts';
import { compile } from '../../workers/lab/compile.ts';
import { inProcessEvaluator, runEvolution, type EvolutionProgress } from '../../workers/cells/evolution-run.ts';
import { isRuleStrategy } from '../../workers/strategies/index.ts';
import { eurusd, evolutionSpec, labStore, T0 } from './evolution-fixture.ts';


/** A store with the bundled EURUSD H1 and two parents (the built-in sma-cross and breakout sources, as a person's cells). */
const lab = () => labStore();

const spec = evolutionSpec;

const deps = (store: EngineStore) => ({ store, now: () => T0 });

describe('evolution run on the bundled EURUSD', () => {
  let first: { cells: Cell[]; progress: EvolutionProgress[] };

  it('breeds generations of compiled children, records each as a cell with its lineage, validates survivors out of sample', async () => {
    const store = await lab();
    const progress: EvolutionProgress[] = [];
    const out = await runEvolution(deps(store), spec(), { onProgress: (p) => progress.push(p) });
    if (!out.ok) throw new Error(out.message);
    const { cells, survivors } = out;
    const runId = out.progress.runId;
    expect(out.progress).toMatchObject({ status: 'done', generation: 3, generations: 3 });
    expect(cells.length).toBeGreaterThan(12);
    expect(out.progress.evaluated).toBe(cells.length + survivors.length);
    expect(await store.cells.list()).toHaveLength(cells.length + 2);
    const byId = new Map([...(await store.cells.list())].map((c) => [c.id, c]));
    for (const c of cells) {
      expect(c.author).toEqual({ kind: 'evolution', name: runId });
      expect(compile(c.source).errors).toEqual([]);
      expect(c.mutation).toBeTruthy();
      const parent = byId.get(c.parentId!)!;
      expect(parent).toBeDefined();
      expect(c.generation).toBe(parent.generation + 1);
      expect(c.results[0]).toMatchObject({ sample: 'in', symbol: 'EURUSD', timeframe: 'H1', period: spec().inSample });
      expect(isRuleStrategy(`lab:${c.id}`)).toBe(true);
      expect(byId.get(c.id)).toEqual(c);
    }
    // A lineage: some third-generation child descends through run cells to a parent.
    const deep = cells.find((c) => c.id.includes('-g3-') && c.generation >= 2);
    expect(deep).toBeDefined();
    let at: Cell | undefined = deep;
    const chain: string[] = [];
    while (at) {
      chain.push(at.id);
      at = at.parentId ? byId.get(at.parentId) : undefined;
    }
    expect(['my-sma-cross', 'my-breakout']).toContain(chain.at(-1));
    // Survivors: the fittest in sample, each tested out of sample and judged on both.
    expect(survivors.length).toBeGreaterThan(0);
    expect(survivors.length).toBeLessThanOrEqual(3);
    for (const s of survivors) {
      expect(s.results.map((r) => r.sample)).toEqual(['in', 'out']);
      expect(s.results[1].period).toEqual(spec().outOfSample);
      expect(s.results[0].metrics.trades).toBeGreaterThanOrEqual(5);
      expect(byId.get(s.id)).toEqual(s);
    }
    const sharpe = survivors.map((s) => s.results[0].metrics.sharpe);
    expect(sharpe).toEqual([...sharpe].sort((a, b) => b - a));
    expect(out.progress.best).toEqual({ cellId: survivors[0].id, fitness: sharpe[0] });
    const others = cells.filter((c) => !survivors.some((s) => s.id === c.id) && c.results[0].metrics.trades >= 5);
    for (const o of others) expect(o.results[0].metrics.sharpe).toBeLessThanOrEqual(sharpe.at(-1)!);
    // Progress: generation by generation, evaluated counting up, ending done.
    expect(progress.map((p) => p.generation)).toEqual([...progress.map((p) => p.generation)].sort((a, b) => a - b));
    expect(progress.at(-1)!.status).toBe('done');
    expect(progress.filter((p) => p.status === 'running').map((p) => p.evaluated).at(-1)).toBe(out.progress.evaluated);
    first = { cells, progress };
  }, 120_000);

  it('is reproducible from its seed (the same cells and fitness), and another seed breeds others', async () => {
    const again = await runEvolution(deps(await lab()), spec());
    if (!again.ok) throw new Error(again.message);
    expect(again.cells).toEqual(first.cells);
    const other = await runEvolution(deps(await lab()), spec({ seed: 18 }));
    if (!other.ok) throw new Error(other.message);
    expect(other.cells.map((c) => c.source)).not.toEqual(first.cells.map((c) => c.source));
  }, 120_000);

  it('cancels between evaluations, and a resume finishes the same run without evaluating its stored cells again', async () => {
    const store = await lab();
    const series = (await store.bars.get('EURUSD', 'H1'))!;
    const inner = inProcessEvaluator(series);
    let evaluations = 0;
    const evaluate: typeof inner = (job) => {
      evaluations++;
      return inner(job);
    };
    const cut = await runEvolution(deps(store), spec(), { evaluate, isCancelled: () => evaluations >= 8 });
    if (!cut.ok) throw new Error(cut.message);
    expect(cut.progress.status).toBe('cancelled');
    expect(cut.progress.message).toMatch(/cancelled after 8 of \d+ backtests; resume with run id evo-17-/);
    expect(evaluations).toBe(8);
    expect((await store.cells.list()).length).toBe(2 + 8);
    const resumed = await runEvolution(deps(store), spec(), { evaluate, runId: cut.progress.runId });
    if (!resumed.ok) throw new Error(resumed.message);
    expect(resumed.progress.status).toBe('done');
    expect(evaluations).toBe(first.progress.at(-1)!.evaluated);
    expect(resumed.cells).toEqual(first.cells);
  }, 120_000);

  it('keeps no survivor when no child has enough trades: every child unfit and dead, said in words', async () => {
    const out = await runEvolution(deps(await lab()), spec({ population: 3, generations: 2, keep: 2, minTrades: 100_000 }));
    if (!out.ok) throw new Error(out.message);
    expect(out.progress).toMatchObject({ status: 'done', best: null, survivors: [] });
    expect(out.survivors).toEqual([]);
    expect(out.cells).toHaveLength(6);
    for (const c of out.cells) {
      expect(c.results).toHaveLength(1);
      expect(c.status.alive).toBe(false);
      expect(c.status.failing).toMatch(/^(only \d+ trades on EURUSD H1, fewer than 100000|no trades on EURUSD H1)$/);
    }
    // With no survivor the second generation bred from the parents again.
    expect(out.cells.filter((c) => c.id.includes('-g2-')).every((c) => c.parentId === 'my-sma-cross' || c.parentId === 'my-breakout')).toBe(true);
  });

  it('refuses a missing parent, missing bars and an empty period in words', async () => {
    const store = await lab();
    expect(await runEvolution(deps(store), spec({ parents: ['nope'] }))).toEqual({ ok: false, field: 'parents', message: 'no cell nope', status: 404 });
    expect(await runEvolution(deps(store), spec({ symbol: 'GBPUSD' }))).toMatchObject({ ok: false, field: 'symbol', message: 'no stored GBPUSD H1 bars to evolve on; import them first' });
    expect(await runEvolution(deps(store), spec({ outOfSample: { from: Date.UTC(2020, 0, 1), to: Date.UTC(2020, 1, 1) } }))).toMatchObject({ ok: false, field: 'outOfSample', message: 'holds no stored EURUSD H1 bar' });
    expect(await runEvolution(deps(store), spec({ population: 0 }))).toMatchObject({ ok: false, field: 'population', status: 400 });
  });
});
