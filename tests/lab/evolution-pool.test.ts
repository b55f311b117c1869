/**
 * The evolution pool's shared logic (workers/cells/evolution-pool.ts) on a
 * platform of in-process workers: each request and reply goes through
 * structuredClone (as postMessage copies it) and each worker answers in a later
 * task, as a Web Worker or a worker thread does. The Web Worker and
 * worker_threads files only wire messages to it; tests/lab/fast-test.test.ts
 * and tests/lab/evolution-relay.test.ts run the same pool on real threads,
 * tests/browser/app-lab-evolve.e2e.test.ts on real Web Workers.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_CELLS } from '../../workers/lab/builtin-cells.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { inProcessEvaluator, runEvolution, type EvaluationJob } from '../../workers/cells/evolution-run.ts';
import { batchShare, evolutionWorker, EvolutionWorkerPool, MAX_BATCH, seriesKeyOf, type EvolutionReply, type EvolutionRequest, type SpawnWorker } from '../../workers/cells/evolution-pool.ts';
import { bundled } from '../helpers/bundled.ts';
import { eurusd, evolutionSpec, labStore, T0 } from './evolution-fixture.ts';

const period = { from: Date.UTC(2017, 3, 19), to: Date.UTC(2017, 10, 30) };

interface Sent {
  worker: number;
  request: EvolutionRequest;
}

/** In-process workers running evolutionWorker(); `meddle` may drop a worker or bend its reply. */
function platform(meddle: { lose?: (worker: number, r: EvolutionRequest) => string | null; reply?: (r: EvolutionReply) => EvolutionReply } = {}) {
  const sent: Sent[] = [];
  const terminated: number[] = [];
  let count = 0;
  const spawn: SpawnWorker = (events) => {
    const n = ++count;
    const answer = evolutionWorker();
    let gone = false;
    return {
      post(m) {
        const request = structuredClone(m);
        sent.push({ worker: n, request });
        setTimeout(async () => {
          if (gone) return;
          const why = meddle.lose?.(n, request);
          if (why) return events.lost(why);
          const reply = structuredClone(await answer(request));
          if (!gone) events.reply(meddle.reply ? meddle.reply(reply) : reply);
        });
      },
      terminate() {
        gone = true;
        terminated.push(n);
      },
    };
  };
  return { spawn, sent, terminated, batches: () => sent.filter((s) => s.request.id !== 0) };
}

/** `n` different fast jobs: the built-in cells with their periods changed, so answers out of order would show. */
function jobs(n: number, mode: 'fast' | 'full' = 'fast'): EvaluationJob[] {
  return Array.from({ length: n }, (_, k) => {
    const b = BUILTIN_CELLS[k % BUILTIN_CELLS.length];
    const source = b.source.replace(/\b(\d{1,2})\)/, (_, p: string) => `${Number(p) + Math.floor(k / BUILTIN_CELLS.length)})`);
    return { strategy: `lab:pool-${k}`, name: `pool ${k}`, source, period, sample: 'in', mode };
  });
}

describe('the shared evolution pool', () => {
  it('sends each worker the bars once, shares jobs queued together out in batches, and answers each job in its order, as this thread does', async () => {
    const p = platform();
    const pool = new EvolutionWorkerPool(p.spawn, 3);
    const evaluate = pool.evaluator(eurusd);
    // Started and sent the bars at once, before any job.
    expect(p.sent.map((s) => [s.worker, s.request.id, s.request.jobs.length, s.request.series?.time.length])).toEqual([1, 2, 3].map((w) => [w, 0, 0, eurusd.time.length]));
    const list = jobs(20);
    const got = await Promise.all(list.map(evaluate));
    // The first free worker takes its share of the queue, the next its share of what is left.
    expect(p.batches().slice(0, 3).map((s) => s.request.jobs.length)).toEqual([7, 5, 3]);
    expect(p.batches().flatMap((s) => s.request.jobs.map((j) => j.strategy)).sort()).toEqual(list.map((j) => j.strategy).sort());
    // The workers hold the bars: no batch carries them again.
    expect(p.batches().every((s) => s.request.series === undefined && s.request.seriesKey === seriesKeyOf(eurusd))).toBe(true);
    expect(pool.spawned).toBe(3);
    expect(pool.batches).toBe(p.batches().length);
    const here = inProcessEvaluator(eurusd);
    for (let k = 0; k < list.length; k++) expect(got[k]).toEqual(await here(list[k]));
    expect(new Set(got.map((t) => JSON.stringify(t.result.metrics))).size).toBeGreaterThan(4);
  }, 60_000);

  it('carries at most MAX_BATCH jobs a message', async () => {
    expect([batchShare(1, 4), batchShare(9, 4), batchShare(40, 1), batchShare(0, 2)]).toEqual([1, 3, MAX_BATCH, 1]);
    const p = platform();
    const pool = new EvolutionWorkerPool(p.spawn, 1);
    await Promise.all(jobs(40).map(pool.evaluator(eurusd)));
    expect(p.batches().map((s) => s.request.jobs.length)).toEqual([16, 16, 8]);
  }, 60_000);

  it('fails the jobs of a worker that stopped, in words, and answers the later jobs on a new worker sent the bars', async () => {
    let lost = false;
    const p = platform({ lose: (w, r) => (w === 1 && r.id !== 0 && !lost ? ((lost = true), 'out of memory') : null) });
    const pool = new EvolutionWorkerPool(p.spawn, 2);
    const evaluate = pool.evaluator(eurusd);
    const first = await Promise.allSettled(jobs(4).map(evaluate));
    const failed = first.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    expect(failed).toEqual(['Error: the evolution worker stopped: out of memory', 'Error: the evolution worker stopped: out of memory']);
    expect(p.terminated).toEqual([1]);
    const later = await Promise.all(jobs(4).map(evaluate));
    expect(later).toHaveLength(4);
    expect(pool.spawned).toBe(3);
    // The replacement was never warmed: its first batch brings the bars.
    const third = p.sent.filter((s) => s.worker === 3);
    expect(third[0].request.series?.time.length).toBe(eurusd.time.length);
    expect(third.slice(1).every((s) => s.request.series === undefined)).toBe(true);
  }, 60_000);

  it("rejects a job whose answer is an error or missing, naming the job's strategy", async () => {
    const p = platform({ reply: (r) => ({ id: r.id, results: r.results.length ? [{ error: 'the program threw at bar 3' }] : [] }) });
    const pool = new EvolutionWorkerPool(p.spawn, 1);
    const out = await Promise.allSettled(jobs(2).map(pool.evaluator(eurusd)));
    expect(out.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual([
      'Error: the backtest of lab:pool-0 failed: the program threw at bar 3',
      'Error: the backtest of lab:pool-1 got no answer from its worker',
    ]);
  }, 60_000);

  it('once closed, fails queued and new jobs in its words and stops its workers', async () => {
    const p = platform();
    const pool = new EvolutionWorkerPool(p.spawn, 2, 'the relay is shutting down');
    const evaluate = pool.evaluator(eurusd);
    const pending = Promise.allSettled(jobs(6).map(evaluate));
    await pool.close();
    const out = await pending;
    expect(out.every((r) => r.status === 'rejected' && String(r.reason) === 'Error: the relay is shutting down')).toBe(true);
    await expect(evaluate(jobs(1)[0])).rejects.toThrow('the relay is shutting down');
    expect(p.terminated.sort()).toEqual([1, 2]);
    expect(() => new EvolutionWorkerPool(p.spawn, 0)).toThrow('at least 1 (got 0)');
  }, 60_000);
});

describe("the worker's side", () => {
  it('answers a batch in order, holds the latest series only, and says when it has no bars for a request', async () => {
    const answer = evolutionWorker();
    const key = seriesKeyOf(eurusd);
    const list = jobs(3);
    expect(await answer({ id: 1, seriesKey: key, jobs: list })).toEqual({ id: 1, results: list.map(() => ({ error: `no bars for ${key} in this worker` })) });
    expect(await answer({ id: 0, seriesKey: key, series: eurusd, jobs: [] })).toEqual({ id: 0, results: [] });
    const here = inProcessEvaluator(eurusd);
    expect(await answer({ id: 2, seriesKey: key, jobs: list })).toEqual({ id: 2, results: await Promise.all(list.map(async (j) => ({ test: await here(j) }))) });
    const goog = bundled('GOOG');
    await answer({ id: 0, seriesKey: seriesKeyOf(goog), series: goog, jobs: [] });
    expect((await answer({ id: 3, seriesKey: key, jobs: list.slice(0, 1) })).results).toEqual([{ error: `no bars for ${key} in this worker` }]);
  }, 60_000);
});

const lab = () => labStore();

const spec = evolutionSpec({ seed: 23, population: 8, generations: 2, keep: 2, inSample: period });

describe('an evolution run on the pool', () => {
  it('breeds the same cells as in this thread from the same seed, and a run cancelled between batches resumes to them', async () => {
    const deps = (store: EngineStore) => ({ store, now: () => T0 });
    const here = await runEvolution(deps(await lab()), spec, { runId: 'evo-pool' });
    if (!here.ok) throw new Error(here.message);

    const p = platform();
    const pool = new EvolutionWorkerPool(p.spawn, 3);
    const whole = await runEvolution(deps(await lab()), spec, { runId: 'evo-pool', evaluate: pool.evaluator(eurusd), concurrency: pool.size });
    if (!whole.ok) throw new Error(whole.message);
    expect(whole.progress.status).toBe('done');
    expect(whole.cells).toEqual(here.cells);
    expect(p.batches().some((s) => s.request.jobs.length > 1)).toBe(true);

    // Cancelled once the first batch is answered: the batches in flight finish and are stored, nothing more is sent.
    const store = await lab();
    let answered = 0;
    const cutPool = new EvolutionWorkerPool(platform({ reply: (r) => ((answered += r.results.length), r) }).spawn, 3);
    const evaluate = cutPool.evaluator(eurusd);
    const cut = await runEvolution(deps(store), spec, { runId: 'evo-pool', evaluate, concurrency: 3, isCancelled: () => answered > 0 });
    if (!cut.ok) throw new Error(cut.message);
    expect(cut.progress.status).toBe('cancelled');
    const kept = (await store.cells.list()).filter((c) => c.author.name === 'evo-pool');
    expect(kept.length).toBe(cut.progress.evaluated);
    expect(kept.length).toBeLessThan(here.progress.evaluated);
    const resumed = await runEvolution(deps(store), spec, { runId: 'evo-pool', evaluate, concurrency: 3 });
    if (!resumed.ok) throw new Error(resumed.message);
    expect(resumed.cells).toEqual(here.cells);
    await Promise.all([pool.close(), cutPool.close()]);
  }, 120_000);
});
