import type { Hono } from 'hono';
import type { RelayEnv } from '../server/context.ts';
import { BadRequest, jsonBody } from '../server/http/validate.ts';
import { parseTimeframeField } from '../server/api/agent-body.ts';
import type { Cell } from '../../workers/lab/cell.ts';
import { statusText } from '../../workers/lab/viability.ts';
import { EVOLUTION_DEFAULTS, evolutionSpecProblems, type EvolutionSpec } from '../../workers/lab/evolution/spec.ts';
import { EvolutionRuns, type EvolutionEvaluator, type EvolutionLab, type StartAnswer } from './evolution-runs.ts';

/**
 * Evolution over HTTP:
 *  POST /api/cells/evolve {parents: [ids], seed, population?, generations?, keep?, fitness?, minTrades?,
 *                          inSample: {from, to}, outOfSample: {from, to}, symbol?, timeframe?, minFitness?, oosFraction?, evaluation?, resume?: runId}
 *    checks it (400 by field, 404 for a missing parent) and starts the run in the background: 202 {runId, progress}.
 *  GET /api/cells/evolve: {runs: [{spec, progress}]}, the kept runs newest first; one kept running that this
 *    relay does not run (it restarted) is 'interrupted', its message saying so with the generation last saved.
 *  GET /api/cells/evolve/:runId: {progress, survivors} (survivors with their status in words once validated).
 *  POST /api/cells/evolve/:runId/cancel: stops after the backtests under way (409 when it is not running).
 *  POST /api/cells/evolve/:runId/resume: continues a cancelled, failed or interrupted run from its stored cells,
 *    with the spec kept for it (in the store's settings, so across restarts).
 * The backtests run on worker threads, one per core.
 */
export function evolutionRoutes(app: Hono<RelayEnv>, lab: EvolutionLab, prepare: () => Promise<unknown>, evaluator?: EvolutionEvaluator, log?: { warn: (m: string) => void }): void {
  const runs = new EvolutionRuns(lab, evaluator, log);

  const started = (out: StartAnswer) => {
    if (!out.ok) throw new BadRequest(out.field, out.message, out.status);
    return out;
  };

  app.post('/api/cells/evolve', async (c) => {
    await prepare();
    const body = await jsonBody(c);
    const spec = evolutionSpec(body);
    const resume = body.resume;
    if (resume !== undefined && (typeof resume !== 'string' || !/^evo-[0-9]+-[0-9a-f]{8}$/.test(resume))) throw new BadRequest('resume', 'must be a run id (evo-<seed>-<8 hex digits>)');
    const out = started(await runs.start(spec, resume as string | undefined));
    return c.json({ runId: out.runId, progress: out.progress }, 202);
  });

  app.get('/api/cells/evolve', async (c) => {
    return c.json({ runs: (await runs.list()).map((r) => ({ spec: r.spec, progress: { ...r.progress, cells: r.cells } })) });
  });

  app.get('/api/cells/evolve/:runId', async (c) => {
    const runId = c.req.param('runId');
    const progress = await runs.progress(runId);
    if (!progress) throw new BadRequest('runId', `no evolution run ${runId}`, 404);
    const survivors: Cell[] = [];
    for (const id of 'survivors' in progress ? progress.survivors : []) {
      const cell = await lab.store.cells.get(id);
      if (cell) survivors.push(cell);
    }
    return c.json({ progress, survivors: survivors.map((s) => ({ id: s.id, name: s.name, parentId: s.parentId, generation: s.generation, mutation: s.mutation, source: s.source, results: s.results, status: s.status, statusText: statusText(s.status) })) });
  });

  app.post('/api/cells/evolve/:runId/cancel', async (c) => {
    const runId = c.req.param('runId');
    if (!(await runs.progress(runId))) throw new BadRequest('runId', `no evolution run ${runId}`, 404);
    if (!runs.cancel(runId)) throw new BadRequest('runId', `run ${runId} is not running`, 409);
    return c.json({ runId, cancelling: true, progress: await runs.progress(runId) });
  });

  app.post('/api/cells/evolve/:runId/resume', async (c) => {
    await prepare();
    const runId = c.req.param('runId');
    const again = await runs.resume(runId);
    if (!again) throw new BadRequest('runId', `no run ${runId} is kept on this relay: POST /api/cells/evolve with its spec and resume: "${runId}"`, 404);
    const out = started(again);
    return c.json({ runId: out.runId, progress: out.progress }, 202);
  });
}

/** A spec from a request body, the defaults filled in; each problem refused by field. */
function evolutionSpec(body: Record<string, unknown>): EvolutionSpec {
  const d = EVOLUTION_DEFAULTS;
  const spec = {
    parents: body.parents,
    seed: body.seed,
    population: body.population ?? d.population,
    generations: body.generations ?? d.generations,
    keep: body.keep ?? d.keep,
    fitness: body.fitness ?? d.fitness,
    minTrades: body.minTrades ?? d.minTrades,
    symbol: body.symbol ?? d.symbol,
    timeframe: body.timeframe === undefined ? d.timeframe : parseTimeframeField(body.timeframe, 'timeframe'),
    inSample: body.inSample,
    outOfSample: body.outOfSample,
    ...(body.minFitness !== undefined ? { minFitness: body.minFitness } : {}),
    ...(body.oosFraction !== undefined ? { oosFraction: body.oosFraction } : {}),
    ...(body.evaluation !== undefined ? { evaluation: body.evaluation } : {}),
  };
  if (typeof spec.symbol !== 'string' || !/^[A-Za-z0-9._:@/-]{1,40}$/.test(spec.symbol)) throw new BadRequest('symbol', `is not a symbol (got ${JSON.stringify(spec.symbol)})`);
  const problems = evolutionSpecProblems(spec);
  if (problems.length) throw new BadRequest(problems[0].field, problems[0].message);
  return spec as EvolutionSpec;
}
