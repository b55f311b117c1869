import { parentPort } from 'node:worker_threads';
import type { BarSeries } from '../../workers/market/bar.ts';
import { inProcessEvaluator, type Evaluate } from '../../workers/cells/evolution-run.ts';
import type { EvolutionReply, EvolutionRequest } from './evolution-pool.ts';

/**
 * Runs in a worker thread: evaluates a batch of evolution jobs, one after the
 * other, through the same evaluator as the in-process path (fastTestCell or
 * testCell, as each job asks), one answer per job. The bars come once per
 * series and stay here for the run's later batches; a request with no jobs
 * only loads them (the pool warms its workers so).
 */
const port = parentPort;
if (!port) throw new Error('evolution-worker.ts runs as a worker thread (see evolution-pool.ts)');
const evaluators = new Map<string, Evaluate>();

port.on('message', async (m: EvolutionRequest) => {
  const results: EvolutionReply['results'] = [];
  if (m.series) {
    evaluators.clear(); // one run's series at a time: a worker does not hoard old bars
    evaluators.set(m.seriesKey, inProcessEvaluator(m.series as BarSeries));
  }
  const evaluate = evaluators.get(m.seriesKey);
  for (const job of m.jobs) {
    try {
      if (!evaluate) throw new Error(`no bars for ${m.seriesKey} in this worker`);
      results.push({ test: await evaluate(job) });
    } catch (e) {
      results.push({ error: e instanceof Error ? e.message : String(e) });
    }
  }
  port.postMessage({ id: m.id, results } satisfies EvolutionReply);
});
