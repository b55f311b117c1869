import { parentPort } from 'node:worker_threads';
import type { BarSeries } from '../../workers/market/bar.ts';
import { inProcessEvaluator, type Evaluate } from '../../workers/cells/evolution-run.ts';
import type { EvolutionReply, EvolutionRequest } from './evolution-pool.ts';

/**
 * Runs in a worker thread: backtests one evolution child at a time through the
 * engine's own testCell (the same code the in-process path runs). The bars come
 * once per series and stay here for the run's later jobs.
 */
const port = parentPort;
if (!port) throw new Error('evolution-worker.ts runs as a worker thread (see evolution-pool.ts)');
const evaluators = new Map<string, Evaluate>();

port.on('message', async (m: EvolutionRequest) => {
  let reply: EvolutionReply;
  try {
    if (m.series) {
      evaluators.clear(); // one run's series at a time: a worker does not hoard old bars
      evaluators.set(m.seriesKey, inProcessEvaluator(m.series as BarSeries));
    }
    const evaluate = evaluators.get(m.seriesKey);
    if (!evaluate) throw new Error(`no bars for ${m.seriesKey} in this worker`);
    reply = { id: m.id, test: await evaluate(m.job) };
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
