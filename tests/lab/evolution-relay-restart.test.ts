/**
 * A relay keeps its evolution runs in the store's settings (the browser's
 * workers/cells/evolution-record.ts): a relay that stops mid-run leaves the run
 * kept as running; the next relay on the same store lists it as interrupted by
 * a restart, with the generation last saved and the cells stored, and resumes
 * it by its id alone to the cells of a run never interrupted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, login, startFakeRelay, type TestRelay } from '../relay/helpers.ts';
import { openSqliteStore, type SqliteEngineStore } from '../../relay/store/sqlite-store.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { runCells, runEvolution } from '../../workers/cells/evolution-run.ts';
import { runRecord, saveRunRecord } from '../../workers/cells/evolution-record.ts';
import type { Cell } from '../../workers/lab/cell.ts';
import type { EvolutionSpec } from '../../workers/lab/evolution/spec.ts';
import { SimulatedClock } from '../../workers/trading/clock.ts';
import { bundled } from '../helpers/bundled.ts';
import { runEnded } from './evolution-fixture.ts';

const eurusd = bundled('EURUSD');
const inSample = { from: Date.UTC(2017, 3, 19), to: Date.UTC(2017, 10, 30) };
const outOfSample = { from: Date.UTC(2017, 11, 1), to: Date.UTC(2018, 1, 8) };
const body = { parents: ['sma-cross', 'breakout'], seed: 13, population: 8, generations: 3, keep: 2, minTrades: 5, inSample, outOfSample };
const spec: EvolutionSpec = { ...body, fitness: 'sharpe', symbol: 'EURUSD', timeframe: 'H1' };
/** The relay "dies" once this many children of the run are stored: three into the second generation. */
const STORED_BEFORE_DEATH = body.population + 3;

describe('an evolution run kept across a relay restart (SQLite, bundled EURUSD H1, worker threads)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-evolve-restart-'));
  const file = join(dir, 'tradeguard.sqlite');
  const clock = new SimulatedClock(Date.UTC(2026, 11, 4, 9));
  const opened: { relay?: TestRelay; store: SqliteEngineStore }[] = [];
  afterAll(async () => {
    for (const o of opened) {
      await o.relay?.close();
      o.store.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const until = runEnded;

  const byId = (cells: Cell[]) => [...cells].sort((a, b) => (a.id < b.id ? -1 : 1));

  it('lists a run its relay stopped in as interrupted, and resumes it by id to the cells of an uninterrupted run', async () => {
    // The first relay: its store stops answering for the run's children past STORED_BEFORE_DEATH, as a
    // process that died would (nothing more is written: no cell, no record of a status the run never reached).
    const first = openSqliteStore(file);
    opened.push({ store: first });
    await first.bars.put(eurusd);
    let evolved = 0;
    const dying = { ...first, cells: { ...first.cells, put: (c: Cell) => (c.author.kind === 'evolution' && ++evolved > STORED_BEFORE_DEATH ? new Promise<void>(() => undefined) : first.cells.put(c)) } };
    const relayA = await startFakeRelay({ store: dying, now: () => clock.now() });
    opened[0].relay = relayA;
    const a = api(relayA, await login(relayA));
    const r = await a.post('/api/cells/evolve', body);
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    const runId: string = r.json.runId;
    await expect.poll(() => evolved, { timeout: 60_000, interval: 20 }).toBeGreaterThan(STORED_BEFORE_DEATH);
    // Its record as last saved: the second generation reached, with the first one's survivors.
    await expect.poll(async () => (await runRecord(first.settings, runId))?.progress.generation, { timeout: 10_000 }).toBe(2);
    const kept = (await runRecord(first.settings, runId))!;
    expect(kept.spec).toEqual(spec);
    expect(kept.progress.status).toBe('running');
    expect(kept.progress.survivors).toHaveLength(body.keep);
    expect(await a.get(`/api/cells/evolve/${runId}`)).toMatchObject({ status: 200, json: { progress: { status: 'running' } } });
    await relayA.close();
    opened[0].relay = undefined;

    // The next relay on the same file.
    const second = openSqliteStore(file);
    opened.push({ store: second });
    const relayB = await startFakeRelay({ store: second, now: () => clock.now() });
    opened[1].relay = relayB;
    const b = api(relayB, await login(relayB));
    expect((await runCells(second, runId)).length).toBe(STORED_BEFORE_DEATH);
    let list = await b.get('/api/cells/evolve');
    expect(list.status).toBe(200);
    expect(list.json.runs).toHaveLength(1);
    expect(list.json.runs[0].spec).toEqual(spec);
    expect(list.json.runs[0].progress).toMatchObject({ runId, status: 'interrupted', generation: 2, generations: 3, cells: STORED_BEFORE_DEATH });
    expect(list.json.runs[0].progress.message).toBe(`interrupted by a relay restart in generation 2 of 3; ${STORED_BEFORE_DEATH} cells stored, resume continues from them`);
    expect((await b.get(`/api/cells/evolve/${runId}`)).json.progress).toMatchObject({ status: 'interrupted', cells: STORED_BEFORE_DEATH });
    // Nothing runs it: there is nothing to cancel; an unknown run has nothing to resume with.
    expect((await b.post(`/api/cells/evolve/${runId}/cancel`, {})).status).toBe(409);
    const unknown = await b.post('/api/cells/evolve/evo-13-00000000/resume', {});
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ field: 'runId' });

    // Resumed by its id alone, from the kept spec and the stored cells.
    const again = await b.post(`/api/cells/evolve/${runId}/resume`, {});
    expect(again.status, JSON.stringify(again.json)).toBe(202);
    expect(again.json.runId).toBe(runId);
    const done = await until(b, runId, 'done');

    // The same run never interrupted, in this thread on a memory store holding the same parents.
    const mem = createMemoryStore();
    await mem.bars.put(eurusd);
    for (const id of spec.parents) await mem.cells.put((await second.cells.get(id))!);
    const whole = await runEvolution({ store: mem, now: () => clock.now() }, spec, { runId });
    if (!whole.ok) throw new Error(whole.message);
    // The death was in the second generation: the first bred its whole population.
    expect(whole.cells.filter((c) => c.id.includes('-g1-'))).toHaveLength(body.population);
    const stored = byId(await runCells(second, runId));
    expect(stored).toEqual(byId(whole.cells));
    expect(done.progress).toMatchObject({ ...whole.progress, cells: stored.length });

    list = await b.get('/api/cells/evolve');
    expect(list.json.runs.map((x: any) => [x.progress.runId, x.progress.status, x.progress.cells])).toEqual([[runId, 'done', stored.length]]);

    // A run the CLI keeps in the same record as running is not said to be cut by a relay restart: the relay did not run it.
    const cli = 'evo-13-0000beef';
    clock.advanceTo(clock.now() + 1000);
    await saveRunRecord(second.settings, { runId: cli, spec, progress: { ...kept.progress, runId: cli, generation: 1, survivors: [] }, savedAt: clock.now(), by: 'tradeguard cells evolve' });
    list = await b.get('/api/cells/evolve');
    expect(list.json.runs.map((x: any) => x.progress.runId)).toEqual([cli, runId]);
    expect(list.json.runs[0].progress).toMatchObject({ status: 'interrupted', cells: 0 });
    expect(list.json.runs[0].progress.message).toBe('interrupted by the end of the tradeguard cells evolve that ran it (unless it still runs) in generation 1 of 3; 0 cells stored, resume continues from them');
  }, 180_000);
});
