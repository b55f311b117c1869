import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { BarSeries } from '../../workers/market/bar.ts';
import type { Evaluate, EvaluationJob, EvaluationResult } from '../../workers/cells/evolution-run.ts';

/** A batch of jobs over one series (`series` comes with the first batch of a key on each worker; none at all: just start). */
export interface EvolutionRequest {
  id: number;
  seriesKey: string;
  series?: BarSeries;
  jobs: EvaluationJob[];
}

/** One answer per job of the request, in its order. */
export interface EvolutionReply {
  id: number;
  results: ({ test: EvaluationResult } | { error: string })[];
}

interface Task {
  seriesKey: string;
  series: BarSeries;
  job: EvaluationJob;
  resolve: (t: EvaluationResult) => void;
  reject: (e: Error) => void;
}

/** The most jobs one message carries: a worker's share of the queue, up to this. */
const MAX_BATCH = 16;

const ENTRY = new URL('./evolution.worker.mjs', import.meta.url);

/**
 * Evolution backtests on worker threads, one per core (os.availableParallelism()):
 * a run keeps every core busy while the relay's event loop (the engine, the
 * stream, /health) still turns. Each worker is sent a series' bars once and
 * keeps them for the later jobs on it. The workers start when an evaluator is
 * made (each is sent the bars then, while the run breeds its first children)
 * and stay warm across generations and runs; jobs queued together go out in
 * batches, a worker's share of the queue per message (fast tests take a few
 * ms: one message each would be a good part of the cost). Idle workers do not
 * keep the process alive; a worker that dies fails its jobs and is replaced.
 */
export class EvolutionPool {
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Task[]>();
  private pumpQueued = false;
  private readonly holds = new Map<Worker, string>();
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers started so far (replacements included). */
  spawned = 0;
  /** Batches of jobs sent so far (one message each). */
  batches = 0;

  constructor(readonly size = Math.max(1, availableParallelism())) {}

  /** An Evaluate for runEvolution over `series`, spread over the pool; the workers start (and take the bars) now. */
  evaluator(series: BarSeries): Evaluate {
    const seriesKey = `${series.symbol} ${series.timeframe} ${series.time.length} ${series.time[0]} ${series.time[series.time.length - 1]}`;
    this.warm(seriesKey, series);
    return (job) => this.run(seriesKey, series, job);
  }

  /** Starts the missing workers and sends every idle one the bars, so the first jobs find them loaded. */
  private warm(seriesKey: string, series: BarSeries): void {
    if (this.closed) return;
    while (this.idle.length + this.running.size < this.size) this.idle.push(this.spawn());
    for (const w of this.idle) {
      if (this.holds.get(w) === seriesKey) continue;
      this.holds.set(w, seriesKey);
      w.postMessage({ id: 0, seriesKey, series, jobs: [] } satisfies EvolutionRequest);
    }
  }

  private run(seriesKey: string, series: BarSeries, job: EvaluationJob): Promise<EvaluationResult> {
    if (this.closed) return Promise.reject(new Error('the evolution pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ seriesKey, series, job, resolve, reject });
      // Once the jobs queued in this turn are all in, so they can be shared out in batches.
      if (!this.pumpQueued) {
        this.pumpQueued = true;
        queueMicrotask(() => {
          this.pumpQueued = false;
          this.pump();
        });
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('the relay is shutting down'));
    for (const tasks of this.running.values()) for (const t of tasks) t.reject(new Error('the relay is shutting down'));
    const all = [...this.idle.splice(0), ...this.running.keys()];
    await Promise.all(all.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.queue.length && (this.idle.length || this.running.size < this.size)) {
      const key = this.queue[0].seriesKey;
      // A worker already holding these bars first.
      const at = this.idle.findIndex((w) => this.holds.get(w) === key);
      const worker = at >= 0 ? this.idle.splice(at, 1)[0] : (this.idle.pop() ?? this.spawn());
      // This worker's share of the queued jobs on these bars: the others get theirs as they come free.
      const same = this.queue.filter((t) => t.seriesKey === key).length;
      const share = Math.min(MAX_BATCH, Math.max(1, Math.ceil(same / this.size)));
      const tasks: Task[] = [];
      for (let i = 0; i < this.queue.length && tasks.length < share; ) {
        if (this.queue[i].seriesKey === key) tasks.push(this.queue.splice(i, 1)[0]);
        else i++;
      }
      this.running.set(worker, tasks);
      worker.ref();
      const fresh = this.holds.get(worker) !== key;
      this.holds.set(worker, key);
      this.batches++;
      worker.postMessage({ id: this.nextId++, seriesKey: key, ...(fresh ? { series: tasks[0].series } : {}), jobs: tasks.map((t) => t.job) } satisfies EvolutionRequest);
    }
  }

  private spawn(): Worker {
    // No inherited --import/--loader: the entry registers its own TypeScript loader.
    const worker = new Worker(ENTRY, { execArgv: [] });
    this.spawned++;
    worker.unref(); // idle (or loading the bars) until it is given jobs
    worker.on('message', (m: EvolutionReply) => {
      if (m.id === 0) return; // the bars are loaded: nothing was waiting
      const tasks = this.running.get(worker) ?? [];
      this.running.delete(worker);
      worker.unref();
      if (!this.closed) this.idle.push(worker);
      tasks.forEach((task, k) => {
        const r = m.results[k];
        if (!r) task.reject(new Error(`the backtest of ${task.job.strategy} got no answer from its worker`));
        else if ('error' in r) task.reject(new Error(`the backtest of ${task.job.strategy} failed: ${r.error}`));
        else task.resolve(r.test);
      });
      this.pump();
    });
    const lost = (why: string) => {
      const tasks = this.running.get(worker) ?? [];
      this.running.delete(worker);
      this.holds.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      for (const task of tasks) task.reject(new Error(`the evolution worker stopped: ${why}`));
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
