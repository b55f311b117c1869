import { expect } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { BUILTIN_CELLS } from '../../workers/lab/builtin-cells.ts';
import { TRADEGUARD, type Cell } from '../../workers/lab/cell.ts';
import type { EvolutionSpec } from '../../workers/lab/evolution/spec.ts';
import { bundled } from '../helpers/bundled.ts';

/** What the evolution tests run on: the bundled EURUSD H1, built-in cells stored as a person's parents. */
export const eurusd = bundled('EURUSD');
export const T0 = Date.UTC(2026, 11, 4, 9);

/** A memory store with the bundled EURUSD H1 and the named built-in cells as parents `my-<name>`, never tested. */
export async function labStore(parents: readonly string[] = ['sma-cross', 'breakout']): Promise<EngineStore> {
  const store = createMemoryStore();
  await store.bars.put(eurusd);
  for (const name of parents) {
    const b = BUILTIN_CELLS.find((c) => c.name === name)!;
    const cell: Cell = { id: `my-${name}`, name: `my ${name}`, source: b.source, parentId: null, mutation: null, author: TRADEGUARD, category: b.category, hypothesis: b.hypothesis, createdAt: T0, generation: 0, results: [], status: { alive: false, failing: 'never tested' } };
    await store.cells.put(cell);
  }
  return store;
}

/** A small run on those parents: in sample from April to November 2017, out of sample to February 2018. */
export const evolutionSpec = (over: Partial<EvolutionSpec> = {}): EvolutionSpec => ({
  parents: ['my-sma-cross', 'my-breakout'],
  seed: 17,
  population: 6,
  generations: 3,
  keep: 3,
  fitness: 'sharpe',
  minTrades: 5,
  symbol: 'EURUSD',
  timeframe: 'H1',
  inSample: { from: Date.UTC(2017, 3, 19), to: Date.UTC(2017, 10, 30) },
  outOfSample: { from: Date.UTC(2017, 11, 1), to: Date.UTC(2018, 1, 8) },
  ...over,
});

/** Polls a relay's run until it is no longer running, expecting `status` (short real waits: the worker threads run in real time). */
export async function runEnded(h: { get(path: string): Promise<{ status: number; json: any }> }, runId: string, status: string): Promise<any> {
  for (let k = 0; k < 1200; k++) {
    const r = await h.get(`/api/cells/evolve/${runId}`);
    expect(r.status).toBe(200);
    if (r.json.progress.status !== 'running') {
      expect(r.json.progress.status, r.json.progress.message).toBe(status);
      return r.json;
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`run ${runId} still running`);
}
