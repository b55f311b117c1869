import type { BarSeries } from '../../workers/market/bar.ts';
import type { CellLabDeps } from '../../workers/cells/cells.ts';
import { checkEvolution, evolutionRunId, inProcessEvaluator, runCells, runEvolution, type Evaluate, type EvolutionProgress } from '../../workers/cells/evolution-run.ts';
import type { EvolutionSpec } from '../../workers/lab/evolution/spec.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { interruptedProgress, pruneRunRecords, recordRun, runRecord, runRecords, type EvolutionRunRecord, type RunRecorder } from '../../workers/cells/evolution-record.ts';
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
  recorder: RunRecorder;
  finished: Promise<void>;
}

/** The lab's store with the settings, where the runs are kept. */
export type EvolutionLab = CellLabDeps & { store: CellLabDeps['store'] & Pick<EngineStore, 'settings'> };

export type StartAnswer = { ok: true; runId: string; progress: EvolutionProgress } | { ok: false; field: string; message: string; status: 400 | 404 | 409 };

/** A kept run as the relay lists it: its spec, its progress (live, or as kept) and the cells it stored. */
export interface KeptRun {
  spec: EvolutionSpec;
  progress: EvolutionProgress;
  cells: number;
}

/**
 * The relay's evolution runs: started in the background (the caller gets the
 * run id at once), cancelled between evaluations, resumed from the run's stored
 * cells. Each run is kept in the store's settings as the browser keeps its own
 * (workers/cells/evolution-record.ts: the spec, and the progress at its
 * milestones), so after a relay restart a run that was running is listed as
 * interrupted and resumes by its id alone.
 */
export class EvolutionRuns {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly lab: EvolutionLab,
    private readonly evaluator: EvolutionEvaluator = defaultEvolutionEvaluator(),
    private readonly log: { warn: (m: string) => void } = console,
  ) {}

  /** Checks the spec and starts a run (or resumes `resumeId`); the progress says what it does. */
  async start(spec: EvolutionSpec, resumeId?: string): Promise<StartAnswer> {
    const checked = await checkEvolution(this.lab, spec);
    if (!checked.ok) return checked;
    const runId = resumeId ?? evolutionRunId(spec, this.lab.now());
    const stillRunning = (): StartAnswer | null => (this.runs.get(runId)?.progress.status === 'running' ? { ok: false, field: 'runId', message: `run ${runId} is still running`, status: 409 } : null);
    const refused = stillRunning();
    if (refused) return refused;
    // Cancelled a moment ago: its last record write goes first, so it cannot land after this start's
    // (and another start that came meanwhile wins).
    await this.runs.get(runId)?.finished;
    const late = stillRunning();
    if (late) return late;
    const { evaluate, concurrency } = this.evaluator(checked.series);
    const settings = this.lab.store.settings;
    const run: Run = {
      spec,
      cancel: false,
      recorder: recordRun(settings, runId, spec, this.lab.now),
      progress: { runId, status: 'running', generation: 0, generations: spec.generations, evaluated: 0, total: spec.population * spec.generations + spec.keep, discarded: 0, duplicates: 0, best: null, survivors: [] },
      finished: Promise.resolve(),
    };
    this.runs.set(runId, run);
    // Kept at the start, at each generation's end and at the end, for a restarted relay to list and resume.
    const progressed = (p: EvolutionProgress) => {
      run.progress = p;
      run.recorder.progress(p);
    };
    progressed(run.progress);
    void pruneRunRecords(settings).catch((e: unknown) => this.log.warn(`evolution: could not drop the oldest kept runs: ${words(e)}`));
    run.finished = runEvolution(this.lab, spec, { runId, evaluate, concurrency, isCancelled: () => run.cancel, onProgress: progressed })
      .then(
        (out) => {
          if (!out.ok) progressed({ ...run.progress, status: 'failed', message: `${out.field}: ${out.message}` });
        },
        (e: unknown) => {
          this.log.warn(`evolution ${runId} failed: ${words(e)}`);
          progressed({ ...run.progress, status: 'failed', message: `${words(e)}; resume with run id ${runId}` });
        },
      )
      .then(() => run.recorder.flushed())
      .then(() => {
        const problem = run.recorder.problem();
        if (problem) this.log.warn(`evolution ${runId}: its state could not be kept for a restart: ${problem}`);
      });
    return { ok: true, runId, progress: run.progress };
  }

  /**
   * A run's progress: live, or as kept (a run kept as running that this relay
   * does not run was interrupted by a restart), or from its stored cells alone
   * when it is not kept (no spec to resume with).
   */
  async progress(runId: string): Promise<(EvolutionProgress & { cells: number }) | { runId: string; status: 'stored'; cells: number; message: string } | null> {
    const cells = (await runCells(this.lab.store, runId)).length;
    const run = this.runs.get(runId);
    if (run) return { ...this.live(run), cells };
    const record = await runRecord(this.lab.store.settings, runId);
    if (record) return { ...this.kept(record, cells), cells };
    if (cells === 0) return null;
    return { runId, status: 'stored', cells, message: `${cells} cells stored; the run's spec is not kept here: POST /api/cells/evolve with its spec and resume: "${runId}" to continue it` };
  }

  /** The kept runs, newest first, each with its progress as now and the cells it stored. */
  async list(): Promise<KeptRun[]> {
    const counts = new Map<string, number>();
    for (const c of await this.lab.store.cells.list()) if (c.author.kind === 'evolution') counts.set(c.author.name, (counts.get(c.author.name) ?? 0) + 1);
    return (await runRecords(this.lab.store.settings)).map((record) => {
      const cells = counts.get(record.runId) ?? 0;
      const run = this.runs.get(record.runId);
      return run ? { spec: run.spec, progress: this.live(run), cells } : { spec: record.spec, progress: this.kept(record, cells), cells };
    });
  }

  /** Asks a running run to stop after the evaluations under way; false when no such run is running. */
  cancel(runId: string): boolean {
    const run = this.runs.get(runId);
    if (!run || run.progress.status !== 'running') return false;
    run.cancel = true;
    return true;
  }

  /** Resumes a run with its spec (from memory, or as kept); null when the relay knows no spec for it. */
  async resume(runId: string): Promise<StartAnswer | null> {
    const spec = this.runs.get(runId)?.spec ?? (await runRecord(this.lab.store.settings, runId))?.spec;
    return spec ? this.start(spec, runId) : null;
  }

  /** Settles when the run's current start has ended (done, cancelled or failed) and its record is written. */
  async settled(runId: string): Promise<void> {
    await this.runs.get(runId)?.finished;
  }

  private live(run: Run): EvolutionProgress {
    const problem = run.recorder.problem();
    if (!problem) return run.progress;
    const note = `its state could not be kept for a restart: ${problem}`;
    return { ...run.progress, message: run.progress.message ? `${run.progress.message}; ${note}` : note };
  }

  /** A kept run this relay does not run: as kept, or interrupted when it was kept running (by this relay before a restart, or by the CLI). */
  private kept(record: EvolutionRunRecord, cells: number): EvolutionProgress {
    if (record.progress.status !== 'running') return record.progress;
    return interruptedProgress(record, cells, record.by ? `the end of the ${record.by} that ran it (unless it still runs)` : 'a relay restart');
  }
}

const words = (e: unknown) => (e instanceof Error ? e.message : String(e));
