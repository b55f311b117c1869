import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { ImportOptions, ImportResult } from '../../workers/market/csv.ts';

export interface CsvImportRequest {
  id: number;
  bytes: ArrayBuffer;
  options: ImportOptions;
}

export type CsvImportReply = { id: number; result: ImportResult } | { id: number; blank: true } | { id: number; error: string };

/** What an import gives back: the engine's result, or `blank` when the file holds nothing but whitespace. */
export type CsvImportOutcome = { blank: true } | { blank: false; result: ImportResult };

interface Job {
  bytes: ArrayBuffer;
  options: ImportOptions;
  resolve: (o: CsvImportOutcome) => void;
  reject: (e: Error) => void;
}

const ENTRY = new URL('./csv-import.worker.mjs', import.meta.url);

/**
 * CSV imports on worker threads. Parsing a 50 MB file takes seconds of CPU;
 * on the relay's event loop that would stall the engine, the stream and
 * /health for as long. At most `size` files are parsed at once (default: the
 * cores but one, at least one, at most two); the rest wait their turn. Idle
 * workers do not keep the process alive; a worker that dies fails its job and
 * is replaced by the next one.
 */
export class CsvImportPool {
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly size = Math.max(1, Math.min(2, availableParallelism() - 1))) {}

  /** Parses `bytes` (UTF-8 CSV) with the engine's importBarsCsv; the buffer is handed over, not copied. */
  run(bytes: ArrayBuffer, options: ImportOptions): Promise<CsvImportOutcome> {
    if (this.closed) return Promise.reject(new Error('the CSV import pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes, options, resolve, reject });
      this.pump();
    });
  }

  /** Imports being parsed or waiting for a worker. */
  get active(): number {
    return this.running.size + this.queue.length;
  }

  /** Ends every worker; waiting and running imports fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new Error('the relay is shutting down'));
    const all = [...this.idle.splice(0), ...this.running.keys()];
    await Promise.all(all.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.queue.length && (this.idle.length || this.running.size < this.size)) {
      const worker = this.idle.pop() ?? this.spawn();
      const job = this.queue.shift()!;
      this.running.set(worker, job);
      worker.ref();
      worker.postMessage({ id: this.nextId++, bytes: job.bytes, options: job.options } satisfies CsvImportRequest, [job.bytes]);
    }
  }

  private spawn(): Worker {
    // No inherited --import/--loader: the entry registers its own TypeScript loader.
    const worker = new Worker(ENTRY, { execArgv: [] });
    worker.on('message', (m: CsvImportReply) => {
      const job = this.running.get(worker);
      this.running.delete(worker);
      worker.unref();
      if (!this.closed) this.idle.push(worker);
      if (job) {
        if ('error' in m) job.reject(new Error(`the CSV import failed: ${m.error}`));
        else job.resolve('blank' in m ? { blank: true } : { blank: false, result: m.result });
      }
      this.pump();
    });
    const lost = (why: string) => {
      const job = this.running.get(worker);
      this.running.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      job?.reject(new Error(`the CSV import worker stopped: ${why}`));
      this.pump();
    };
    worker.on('error', (e) => lost(e.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    return worker;
  }
}

let shared: CsvImportPool | null = null;

/** The process's pool (created on first use; idle, it holds no event loop open). */
export function sharedCsvImportPool(): CsvImportPool {
  shared ??= new CsvImportPool();
  return shared;
}
