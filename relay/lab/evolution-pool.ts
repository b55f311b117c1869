import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { BarSeries } from '../../workers/market/bar.ts';
import type { CellTest } from '../../workers/cells/cell-test.ts';
import type { Evaluate, EvaluationJob } from '../../workers/cells/evolution-run.ts';

export interface EvolutionRequest {
  id: number;
  /** Which bars the job runs on; `series` comes with the first job of a key on each worker. */
  seriesKey: string;
  series?: BarSeries;
  job: EvaluationJob;
}

export type EvolutionReply = { id: number; test: CellTest } | { id: number; error: string };

interface Task {
  seriesKey: string;
  series: BarSeries;
  job: EvaluationJob;
  resolve: (t: CellTest) => void;
  reject: (e: Error) => void;
}

const ENTRY = new URL('./evolution.worker.mjs', import.meta.url);

/**
 * Evolution backtests on worker threads, one per core (os.availableParallelism()):
 * a run keeps every core busy while the relay's event loop (the engine, the
 * stream, /health) still turns. Each worker is sent a series' bars once and
 * keeps them for the later jobs on it. Idle workers do not keep the process
 * alive; a worker that dies fails its job and is replaced by the next one.
 */
export class EvolutionPool {
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Task>();
  private readonly holds = new Map<Worker, string>();
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers started so far (replacements included). */
  spawned = 0;

  constructor(readonly size = Math.max(1, availableParallelism())) {}

  /** An Evaluate for runEvolution over `series`, spread over the pool. */
  evaluator(series: BarSeries): Evaluate {
    const seriesKey = `${series.symbol} ${series.timeframe} ${series.time.length} ${series.time[0]} ${series.time[series.time.length - 1]}`;
    return (job) => this.run(seriesKey, series, job);
  }

  private run(seriesKey: string, series: BarSeries, job: EvaluationJob): Promise<CellTest> {
    if (this.closed) return Promise.reject(new Error('the evolution pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ seriesKey, series, job, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('the relay is shutting down'));
    const all = [...this.idle.splice(0), ...this.running.keys()];
    await Promise.all(all.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.queue.length && (this.idle.length || this.running.size < this.size)) {
      const task = this.queue.shift()!;
      // A worker already holding these bars first.
      const at = this.idle.findIndex((w) => this.holds.get(w) === task.seriesKey);
      const worker = at >= 0 ? this.idle.splice(at, 1)[0] : (this.idle.pop() ?? this.spawn());
      this.running.set(worker, task);
      worker.ref();
      const fresh = this.holds.get(worker) !== task.seriesKey;
      this.holds.set(worker, task.seriesKey);
      worker.postMessage({ id: this.nextId++, seriesKey: task.seriesKey, ...(fresh ? { series: task.series } : {}), job: task.job } satisfies EvolutionRequest);
    }
  }

  private spawn(): Worker {
    // No inherited --import/--loader: the entry registers its own TypeScript loader.
    const worker = new Worker(ENTRY, { execArgv: [] });
    this.spawned++;
    worker.on('message', (m: EvolutionReply) => {
      const task = this.running.get(worker);
      this.running.delete(worker);
      worker.unref();
      if (!this.closed) this.idle.push(worker);
      if (task) {
        if ('error' in m) task.reject(new Error(`the backtest of ${task.job.strategy} failed: ${m.error}`));
        else task.resolve(m.test);
      }
      this.pump();
    });
    const lost = (why: string) => {
      const task = this.running.get(worker);
      this.running.delete(worker);
      this.holds.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      task?.reject(new Error(`the evolution worker stopped: ${why}`));
      this.pump();
    };
    worker.on('error', (e) => lost(e.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    return worker;
  }
}

let shared: EvolutionPool | null = null;

/** The process's pool (created on first use; idle, it holds no event loop open). */
export function sharedEvolutionPool(): EvolutionPool {
  shared ??= new EvolutionPool();
  return shared;
}
