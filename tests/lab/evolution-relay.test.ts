import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, login, startFakeRelay, type TestRelay } from '../relay/helpers.ts';
import { openSqliteStore, type SqliteEngineStore } from '../../relay/store/sqlite-store.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { runEvolution } from '../../workers/cells/evolution-run.ts';
import type { EvolutionSpec } from '../../workers/lab/evolution/spec.ts';
import { SimulatedClock } from '../../workers/trading/clock.ts';
import { bundled } from '../helpers/bundled.ts';
import { availableParallelism } from 'node:os';
import { sharedEvolutionPool } from '../../relay/lab/evolution-pool.ts';
import { runEnded } from './evolution-fixture.ts';

const eurusd = bundled('EURUSD');
const inSample = { from: Date.UTC(2017, 3, 19), to: Date.UTC(2017, 10, 30) };
const outOfSample = { from: Date.UTC(2017, 11, 1), to: Date.UTC(2018, 1, 8) };

describe('evolution on a real relay: worker threads, progress, cancel, resume (SQLite, bundled EURUSD H1)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-evolve-api-'));
  let store: SqliteEngineStore;
  let relay: TestRelay;
  let h: ReturnType<typeof api>;
  const clock = new SimulatedClock(Date.UTC(2026, 11, 4, 8, 30));
  beforeAll(async () => {
    store = openSqliteStore(join(dir, 'tradeguard.sqlite'));
    await store.bars.put(eurusd);
    relay = await startFakeRelay({ store, now: () => clock.now() });
    h = api(relay, await login(relay));
  }, 60_000);
  afterAll(async () => {
    await relay.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const until = (runId: string, status: string) => runEnded(h, runId, status);

  /** The same run in this thread on a memory store holding the same parents: what the threads must have bred. */
  async function inThisThread(spec: EvolutionSpec) {
    const mem = createMemoryStore();
    await mem.bars.put(eurusd);
    for (const id of spec.parents) await mem.cells.put((await store.cells.get(id))!);
    const out = await runEvolution({ store: mem, now: () => clock.now() }, spec);
    if (!out.ok) throw new Error(out.message);
    return out;
  }

  const byId = <T extends { id: string }>(cells: T[]) => [...cells].sort((a, b) => (a.id < b.id ? -1 : 1));
  const runStored = async (runId: string) => byId((await store.cells.list()).filter((c) => c.author.kind === 'evolution' && c.author.name === runId));

  const body = { parents: ['sma-cross', 'breakout'], seed: 5, population: 4, generations: 2, keep: 2, minTrades: 5, inSample, outOfSample };

  it('refuses a bad spec by field and a missing parent as not found', async () => {
    let r = await h.post('/api/cells/evolve', { ...body, population: 0 });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ field: 'population' });
    expect(r.json.error).toMatch(/population: must be a whole number from 1 to 500/);
    r = await h.post('/api/cells/evolve', { ...body, outOfSample: inSample });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/overlaps the in-sample period/);
    r = await h.post('/api/cells/evolve', { ...body, parents: ['sma-cross', 'nope'] });
    expect(r.status).toBe(404);
    expect(r.json.error).toMatch(/no cell nope/);
    r = await h.get('/api/cells/evolve/evo-1-00000000');
    expect(r.status).toBe(404);
  });

  it('runs on worker threads to the same cells as this thread, with survivors validated out of sample', async () => {
    const r = await h.post('/api/cells/evolve', body);
    expect(r.status).toBe(202);
    const runId: string = r.json.runId;
    expect(runId).toMatch(/^evo-5-[0-9a-f]{8}$/);
    const done = await until(runId, 'done');
    expect(done.progress).toMatchObject({ runId, generation: 2, generations: 2 });
    expect(done.survivors.length).toBeGreaterThan(0);
    for (const s of done.survivors) {
      expect(s.results.map((x: any) => x.sample)).toEqual(['in', 'out']);
      expect(s.statusText).toMatch(/^(🟢 alive|💀 dead — .+)$/);
    }
    const stored = await runStored(runId);
    expect(done.progress.cells).toBe(stored.length);
    // Bred on worker threads, one per core.
    expect(sharedEvolutionPool().size).toBe(availableParallelism());
    expect(sharedEvolutionPool().spawned).toBe(availableParallelism());
    const local = await inThisThread({ ...body, fitness: 'sharpe', symbol: 'EURUSD', timeframe: 'H1' });
    expect(local.progress.runId).toBe(runId);
    expect(stored).toEqual(byId(local.cells));
    // The cells API lists them like any other, with their parent.
    const one = await h.get(`/api/cells/${stored[0].id}`);
    expect(one.json.parent.id).toBe(stored[0].parentId);
  }, 120_000);

  it('cancels between evaluations and resumes to the same cells as an uninterrupted run', async () => {
    clock.advanceTo(clock.now() + 60_000);
    const big = { ...body, seed: 9, population: 12, generations: 4, keep: 3 };
    const r = await h.post('/api/cells/evolve', big);
    expect(r.status).toBe(202);
    const runId: string = r.json.runId;
    const c = await h.post(`/api/cells/evolve/${runId}/cancel`, {});
    expect(c.status).toBe(200);
    expect(c.json.cancelling).toBe(true);
    const cut = await until(runId, 'cancelled');
    expect(cut.progress.message).toMatch(new RegExp(`resume with run id ${runId}`));
    expect(cut.progress.evaluated).toBeLessThan(cut.progress.total);
    expect((await h.post(`/api/cells/evolve/${runId}/cancel`, {})).status).toBe(409);
    const again = await h.post(`/api/cells/evolve/${runId}/resume`, {});
    expect(again.status).toBe(202);
    await until(runId, 'done');
    const stored = await runStored(runId);
    const local = await inThisThread({ ...big, fitness: 'sharpe', symbol: 'EURUSD', timeframe: 'H1' });
    expect(stored).toEqual(byId(local.cells));
  }, 120_000);
});
