import type { BarSeries } from '../../workers/market/bar.ts';
import type { Evaluate, EvaluationJob, EvaluationResult } from '../../workers/cells/evolution-run.ts';
import type { EvolutionReply, EvolutionRequest } from '../../relay/lab/evolution-pool.ts';

interface Task {
  seriesKey: string;
  series: BarSeries;
  job: EvaluationJob;
  resolve: (t: EvaluationResult) => void;
  reject: (e: Error) => void;
}

/** The most jobs one message carries: a worker's share of the queue, up to this (as the relay's pool). */
const MAX_BATCH = 16;

/**
 * Evolution backtests on Web Workers, one per core (navigator.hardwareConcurrency),
 * so a run in this browser uses every core and the tab stays responsive. The
 * browser's side of relay/lab/evolution-pool.ts, with its message shapes: each
 * worker is sent a series' bars once (when an evaluator is made, while the run
 * breeds its first children) and keeps them; jobs queued together go out in
 * batches, a worker's share of the queue per message. The workers stay warm
 * across generations and runs; a worker that fails fails its jobs and is replaced.
 */
export class BrowserEvolutionPool {
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Task[]>();
  private readonly holds = new Map<Worker, string>();
  private readonly queue: Task[] = [];
  private pumpQueued = false;
  private nextId = 1;

  constructor(readonly size = Math.max(1, Math.min(16, navigator.hardwareConcurrency || 2))) {}

  /** An Evaluate for runEvolution over `series`, spread over the pool; the workers start (and take the bars) now. */
  evaluator(series: BarSeries): Evaluate {
    const seriesKey = `${series.symbol} ${series.timeframe} ${series.time.length} ${series.time[0]} ${series.time[series.time.length - 1]}`;
    while (this.idle.length + this.running.size < this.size) this.idle.push(this.spawn());
    for (const w of this.idle) {
      if (this.holds.get(w) === seriesKey) continue;
      this.holds.set(w, seriesKey);
      w.postMessage({ id: 0, seriesKey, series, jobs: [] } satisfies EvolutionRequest);
    }
    return (job) =>
      new Promise((resolve, reject) => {
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

  private pump(): void {
    while (this.queue.length && (this.idle.length || this.running.size < this.size)) {
      const key = this.queue[0].seriesKey;
      const at = this.idle.findIndex((w) => this.holds.get(w) === key);
      const worker = at >= 0 ? this.idle.splice(at, 1)[0] : (this.idle.pop() ?? this.spawn());
      const same = this.queue.filter((t) => t.seriesKey === key).length;
      const share = Math.min(MAX_BATCH, Math.max(1, Math.ceil(same / this.size)));
      const tasks: Task[] = [];
      for (let i = 0; i < this.queue.length && tasks.length < share; ) {
        if (this.queue[i].seriesKey === key) tasks.push(this.queue.splice(i, 1)[0]);
        else i++;
      }
      this.running.set(worker, tasks);
      const fresh = this.holds.get(worker) !== key;
      this.holds.set(worker, key);
      worker.postMessage({ id: this.nextId++, seriesKey: key, ...(fresh ? { series: tasks[0].series } : {}), jobs: tasks.map((t) => t.job) } satisfies EvolutionRequest);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./evolution.worker.ts', import.meta.url), { type: 'module', name: 'evolution' });
    worker.addEventListener('message', (e: MessageEvent<EvolutionReply>) => {
      const m = e.data;
      if (m.id === 0) return; // the bars are loaded: nothing was waiting
      const tasks = this.running.get(worker) ?? [];
      this.running.delete(worker);
      this.idle.push(worker);
      tasks.forEach((task, k) => {
        const r = m.results[k];
        if (!r) task.reject(new Error(`the backtest of ${task.job.strategy} got no answer from its worker`));
        else if ('error' in r) task.reject(new Error(`the backtest of ${task.job.strategy} failed: ${r.error}`));
        else task.resolve(r.test);
      });
      this.pump();
    });
    worker.addEventListener('error', (e) => {
      // A worker that failed to load or crashed: its jobs fail in words, and the next pump starts another.
      e.preventDefault();
      const tasks = this.running.get(worker) ?? [];
      this.running.delete(worker);
      this.holds.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      worker.terminate();
      for (const task of tasks) task.reject(new Error(`the evolution worker stopped: ${e.message || 'it failed to load'}`));
      this.pump();
    });
    return worker;
  }
}

let shared: BrowserEvolutionPool | null = null;

/** This tab's pool, made on the first run and kept warm for the next. */
export function sharedBrowserPool(): BrowserEvolutionPool {
  shared ??= new BrowserEvolutionPool();
  return shared;
}
