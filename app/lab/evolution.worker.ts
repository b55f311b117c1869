/**
 * An evolution worker in the browser: evaluates batches of a run's jobs, one
 * after the other, through the same evaluator as the relay's worker threads
 * (fastTestCell or testCell, as each job asks), one answer per job, in the
 * relay pool's message shapes. The bars come once per series and stay here for
 * the run's later batches; a request with no jobs only loads them (warming).
 */
import type { BarSeries } from '../../workers/market/bar.ts';
import { inProcessEvaluator, type Evaluate } from '../../workers/cells/evolution-run.ts';
import type { EvolutionReply, EvolutionRequest } from '../../relay/lab/evolution-pool.ts';

let held: { key: string; evaluate: Evaluate } | null = null;

self.onmessage = async (e: MessageEvent<EvolutionRequest>) => {
  const m = e.data;
  // One run's series at a time: a worker does not hoard old bars.
  if (m.series) held = { key: m.seriesKey, evaluate: inProcessEvaluator(m.series as BarSeries) };
  const results: EvolutionReply['results'] = [];
  for (const job of m.jobs) {
    try {
      if (!held || held.key !== m.seriesKey) throw new Error(`no bars for ${m.seriesKey} in this worker`);
      results.push({ test: await held.evaluate(job) });
    } catch (err) {
      results.push({ error: err instanceof Error ? err.message : String(err) });
    }
  }
  self.postMessage({ id: m.id, results } satisfies EvolutionReply);
};
