import type { BarSeries } from '../market/bar.ts';
import { inProcessEvaluator, type Evaluate, type EvaluationJob, type EvaluationResult } from './evolution-run.ts';

/**
 * An evolution run's backtests on a pool of workers, whatever runs them: Web
 * Workers in the browser (app/lab/evolution-pool.ts), worker threads on the
 * relay (relay/lab/evolution-pool.ts). Those files only start a worker and
 * carry its messages; the batching, the message shapes, the answers in order
 * and the worker's own loop are here, once.
 *
 * Each worker is sent a series' bars once and keeps them for the later jobs on
 * it. The workers start when an evaluator is made (each is sent the bars then,
 * while the run breeds its first children) and stay warm across generations and
 * runs; jobs queued together go out in batches, a worker's share of the queue
 * per message (fast tests take a few ms: one message each would be a good part
 * of the cost). A worker that fails fails its jobs in words and is replaced.
 *
 * A cancel needs nothing here: runEvolution asks isCancelled before it hands
 * out each job, so a cancelled run stops queueing and ends once the batches in
 * flight are answered (a batch is never cut, its answers are stored).
 */

/** A batch of jobs over one series (`series` comes with the first batch of a key on each worker; no jobs at all: just load it). */
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

/** A worker as the pool drives it; the platform file makes it. */
export interface PoolWorker {
  post(request: EvolutionRequest): void;
  /** Jobs given (true) or all answered (false): a Node worker holds the process open only while it has work. */
  busy?(busy: boolean): void;
  terminate(): unknown;
}

/** What a platform's worker reports: a reply, or that it is gone (failed to load, crashed, exited) and why. */
export interface PoolWorkerEvents {
  reply(m: EvolutionReply): void;
  lost(why: string): void;
}

/** Starts one worker running evolutionWorker() and wires its messages and failures to `events`. */
export type SpawnWorker = (events: PoolWorkerEvents) => PoolWorker;

interface Task {
  seriesKey: string;
  series: BarSeries;
  job: EvaluationJob;
  resolve: (t: EvaluationResult) => void;
  reject: (e: Error) => void;
}

/** The most jobs one message carries: a worker's share of the queue, up to this. */
export const MAX_BATCH = 16;

/** Names a series by its symbol, timeframe and span: the bars a worker holds. */
export function seriesKeyOf(series: BarSeries): string {
  return `${series.symbol} ${series.timeframe} ${series.time.length} ${series.time[0]} ${series.time[series.time.length - 1]}`;
}

/** How many of `queued` jobs on one series the next free worker of `size` takes. */
export function batchShare(queued: number, size: number): number {
  return Math.min(MAX_BATCH, Math.max(1, Math.ceil(queued / size)));
}

export class EvolutionWorkerPool {
  private readonly idle: PoolWorker[] = [];
  private readonly running = new Map<PoolWorker, Task[]>();
  private readonly holds = new Map<PoolWorker, string>();
  private readonly queue: Task[] = [];
  private pumpQueued = false;
  private nextId = 1;
  private closed = false;
  /** Workers started so far (replacements included). */
  spawned = 0;
  /** Batches of jobs sent so far (one message each). */
  batches = 0;

  constructor(
    private readonly start: SpawnWorker,
    readonly size: number,
    /** Why jobs fail once the pool is closed (the relay: it is shutting down). */
    private readonly closedWords = 'the evolution pool is closed',
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`an evolution pool needs a whole number of workers, at least 1 (got ${size})`);
  }

  /** An Evaluate for runEvolution over `series`, spread over the pool; the workers start (and take the bars) now. */
  evaluator(series: BarSeries): Evaluate {
    const seriesKey = seriesKeyOf(series);
    this.warm(seriesKey, series);
    return (job) => this.run(seriesKey, series, job);
  }

  /** Fails the queued and running jobs and stops every worker. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error(this.closedWords));
    for (const tasks of this.running.values()) for (const t of tasks) t.reject(new Error(this.closedWords));
    const all = [...this.idle.splice(0), ...this.running.keys()];
    this.running.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }

  /** Starts the missing workers and sends every idle one the bars, so the first jobs find them loaded. */
  private warm(seriesKey: string, series: BarSeries): void {
    if (this.closed) return;
    while (this.idle.length + this.running.size < this.size) this.idle.push(this.spawn());
    for (const w of this.idle) {
      if (this.holds.get(w) === seriesKey) continue;
      this.holds.set(w, seriesKey);
      w.post({ id: 0, seriesKey, series, jobs: [] });
    }
  }

  private run(seriesKey: string, series: BarSeries, job: EvaluationJob): Promise<EvaluationResult> {
    if (this.closed) return Promise.reject(new Error(this.closedWords));
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

  private pump(): void {
    while (!this.closed && this.queue.length && (this.idle.length || this.running.size < this.size)) {
      const key = this.queue[0].seriesKey;
      // A worker already holding these bars first.
      const at = this.idle.findIndex((w) => this.holds.get(w) === key);
      const worker = at >= 0 ? this.idle.splice(at, 1)[0] : (this.idle.pop() ?? this.spawn());
      // This worker's share of the queued jobs on these bars: the others get theirs as they come free.
      const share = batchShare(this.queue.filter((t) => t.seriesKey === key).length, this.size);
      const tasks: Task[] = [];
      for (let i = 0; i < this.queue.length && tasks.length < share; ) {
        if (this.queue[i].seriesKey === key) tasks.push(this.queue.splice(i, 1)[0]);
        else i++;
      }
      this.running.set(worker, tasks);
      worker.busy?.(true);
      const fresh = this.holds.get(worker) !== key;
      this.holds.set(worker, key);
      this.batches++;
      worker.post({ id: this.nextId++, seriesKey: key, ...(fresh ? { series: tasks[0].series } : {}), jobs: tasks.map((t) => t.job) });
    }
  }

  private spawn(): PoolWorker {
    const worker: PoolWorker = this.start({ reply: (m) => this.replied(worker, m), lost: (why) => this.lost(worker, why) });
    this.spawned++;
    worker.busy?.(false); // idle (or loading the bars) until it is given jobs
    return worker;
  }

  private replied(worker: PoolWorker, m: EvolutionReply): void {
    if (m.id === 0) return; // the bars are loaded: nothing was waiting
    const tasks = this.running.get(worker) ?? [];
    this.running.delete(worker);
    worker.busy?.(false);
    if (!this.closed) this.idle.push(worker);
    tasks.forEach((task, k) => {
      const r = m.results[k];
      if (!r) task.reject(new Error(`the backtest of ${task.job.strategy} got no answer from its worker`));
      else if ('error' in r) task.reject(new Error(`the backtest of ${task.job.strategy} failed: ${r.error}`));
      else task.resolve(r.test);
    });
    this.pump();
  }

  /** A worker that failed: its jobs fail in words, it is dropped (the next pump starts another). */
  private lost(worker: PoolWorker, why: string): void {
    const tasks = this.running.get(worker) ?? [];
    const known = this.running.delete(worker) || this.holds.has(worker) || this.idle.includes(worker);
    this.holds.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
    if (known) void worker.terminate();
    for (const task of tasks) task.reject(new Error(`the evolution worker stopped: ${why}`));
    this.pump();
  }
}

/**
 * A worker's side of the pool: answers each request, its jobs one after the
 * other through the same evaluator as this thread (fastTestCell or testCell, as
 * each job asks), one answer per job. It keeps one series' bars (the latest
 * sent: a worker does not hoard old bars); a request with no jobs only loads them.
 */
export function evolutionWorker(): (m: EvolutionRequest) => Promise<EvolutionReply> {
  let held: { key: string; evaluate: Evaluate } | null = null;
  return async (m) => {
    if (m.series) held = { key: m.seriesKey, evaluate: inProcessEvaluator(m.series) };
    const results: EvolutionReply['results'] = [];
    for (const job of m.jobs) {
      try {
        if (!held || held.key !== m.seriesKey) throw new Error(`no bars for ${m.seriesKey} in this worker`);
        results.push({ test: await held.evaluate(job) });
      } catch (e) {
        results.push({ error: e instanceof Error ? e.message : String(e) });
      }
    }
    return { id: m.id, results };
  };
}
