import type { BarSeries } from '../../workers/market/bar.ts';
import type { CellLabDeps } from '../../workers/cells/cells.ts';
import { checkEvolution, evolutionRunId, inProcessEvaluator, runCells, runEvolution, type Evaluate, type EvolutionProgress } from '../../workers/cells/evolution-run.ts';
import type { EvolutionSpec } from '../../workers/lab/evolution/spec.ts';
import { sharedEvolutionPool } from './evolution-pool.ts';

/** Where a run's backtests go: a pool of worker threads, or this thread (tests, or where threads cannot start). */
export type EvolutionEvaluator = (series: BarSeries) => { evaluate: Evaluate; concurrency: number };

/** The relay's default: worker threads, one per core; TG_LAB_THREADS=0 keeps the backtests in this thread. */
export function defaultEvolutionEvaluator(): EvolutionEvaluator {
  if (process.env.TG_LAB_THREADS === '0') return (series) => ({ evaluate: inProcessEvaluator(series), concurrency: 1 });
  return (series) => {
    const pool = sharedEvolutionPool();
    return { evaluate: pool.evaluator(series), concurrency: pool.size };
  };
}

interface Run {
  spec: EvolutionSpec;
  progress: EvolutionProgress;
  cancel: boolean;
  finished: Promise<void>;
}

export type StartAnswer = { ok: true; runId: string; progress: EvolutionProgress } | { ok: false; field: string; message: string; status: 400 | 404 | 409 };

/**
 * The relay's evolution runs: started in the background (the caller gets the
 * run id at once), their progress kept in memory, cancelled between
 * evaluations, resumed from the run's stored cells (after a cancel, or after
 * a relay restart with the same spec given again).
 */
export class EvolutionRuns {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly lab: CellLabDeps,
    private readonly evaluator: EvolutionEvaluator = defaultEvolutionEvaluator(),
    private readonly log: { warn: (m: string) => void } = console,
  ) {}

  /** Checks the spec and starts a run (or resumes `resumeId`); the progress says what it does. */
  async start(spec: EvolutionSpec, resumeId?: string): Promise<StartAnswer> {
    const checked = await checkEvolution(this.lab, spec);
    if (!checked.ok) return checked;
    const runId = resumeId ?? evolutionRunId(spec, this.lab.now());
    const known = this.runs.get(runId);
    if (known && known.progress.status === 'running') return { ok: false, field: 'runId', message: `run ${runId} is still running`, status: 409 };
    const { evaluate, concurrency } = this.evaluator(checked.series);
    const run: Run = {
      spec,
      cancel: false,
      progress: { runId, status: 'running', generation: 0, generations: spec.generations, evaluated: 0, total: spec.population * spec.generations + spec.keep, discarded: 0, duplicates: 0, best: null, survivors: [] },
      finished: Promise.resolve(),
    };
    this.runs.set(runId, run);
    run.finished = runEvolution(this.lab, spec, { runId, evaluate, concurrency, isCancelled: () => run.cancel, onProgress: (p) => (run.progress = p) })
      .then((out) => {
        if (!out.ok) run.progress = { ...run.progress, status: 'failed', message: `${out.field}: ${out.message}` };
      })
      .catch((e) => {
        const message = e instanceof Error ? e.message : String(e);
        this.log.warn(`evolution ${runId} failed: ${message}`);
        run.progress = { ...run.progress, status: 'failed', message: `${message}; resume with run id ${runId}` };
      });
    return { ok: true, runId, progress: run.progress };
  }

  /** A run's progress: from memory, or from its stored cells when this relay did not start it (no spec to resume with). */
  async progress(runId: string): Promise<(EvolutionProgress & { cells: number }) | { runId: string; status: 'stored'; cells: number; message: string } | null> {
    const cells = (await runCells(this.lab.store, runId)).length;
    const run = this.runs.get(runId);
    if (run) return { ...run.progress, cells };
    if (cells === 0) return null;
    return { runId, status: 'stored', cells, message: `${cells} cells stored; this relay did not start the run: POST /api/cells/evolve with its spec and resume: "${runId}" to continue it` };
  }

  /** Asks a running run to stop after the evaluations under way; false when no such run is running. */
  cancel(runId: string): boolean {
    const run = this.runs.get(runId);
    if (!run || run.progress.status !== 'running') return false;
    run.cancel = true;
    return true;
  }

  /** Resumes a run this relay knows (its spec kept); null when it does not know it. */
  resume(runId: string): Promise<StartAnswer> | null {
    const run = this.runs.get(runId);
    return run ? this.start(run.spec, runId) : null;
  }

  /** Settles when the run's current start has ended (done, cancelled or failed). */
  async settled(runId: string): Promise<void> {
    await this.runs.get(runId)?.finished;
  }
}
