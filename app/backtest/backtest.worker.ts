/**
 * The backtest worker: one run at a time, off the UI thread, so a long test
 * never freezes the cockpit. Bars and model bytes come in with the job (the tab
 * read them from IndexedDB); the equity columns go back transferred, not copied.
 */
import { expose, transfer } from 'comlink';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import { runBacktestJob } from './run-job.ts';
import type { BacktestWorkerApi } from './protocol.ts';

let running: AbortController | null = null;

const api: BacktestWorkerApi = {
  async run(job, onProgress) {
    if (running) throw new Error('a backtest is already running in this worker');
    running = new AbortController();
    try {
      const out = await runBacktestJob(job, {
        onProgress: (done, total) => void onProgress(done, total),
        signal: running.signal,
        // One thread: ort's thread pool would spawn more workers from inside this one for tiny models.
        createSession: (bytes, label) => createOrtSession(bytes, { label, numThreads: 1 }),
      });
      return transfer(out, [out.equity.time.buffer, out.equity.equity.buffer, out.equity.drawdown.buffer] as ArrayBuffer[]);
    } finally {
      running = null;
    }
  },
  cancel() {
    running?.abort();
  },
};

expose(api);
