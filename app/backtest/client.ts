import { proxy, releaseProxy, transfer, wrap, type Remote } from 'comlink';
import type { BacktestJob, BacktestOutcome, BacktestWorkerApi } from './protocol.ts';

export interface RunningBacktest {
  result: Promise<BacktestOutcome>;
  /** Asks the run to stop; `result` then resolves with the bars done so far (`cancelled: true`). */
  cancel(): void;
}

/**
 * Starts a backtest in a fresh worker, ended when the run ends: a test never
 * shares onnxruntime state or memory with the last one.
 */
export function startBacktest(job: BacktestJob, onProgress: (done: number, total: number) => void): RunningBacktest {
  const worker = new Worker(new URL('./backtest.worker.ts', import.meta.url), { type: 'module', name: 'backtest' });
  const api: Remote<BacktestWorkerApi> = wrap<BacktestWorkerApi>(worker);
  const failed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (e) => reject(new Error(`the backtest worker failed to start: ${e.message || 'unknown error (module failed to load?)'}`)));
  });
  // Columns are copied out of whatever bigger buffer the store returned, then moved, not cloned.
  const s = job.series;
  const series = { ...s, time: s.time.slice(), open: s.open.slice(), high: s.high.slice(), low: s.low.slice(), close: s.close.slice(), volume: s.volume.slice() };
  const buffers = [series.time, series.open, series.high, series.low, series.close, series.volume].map((a) => a.buffer as ArrayBuffer);
  const run = api.run(transfer({ ...job, series }, buffers), proxy(onProgress));
  const result = Promise.race([run, failed]).finally(() => {
    api[releaseProxy]();
    worker.terminate();
  });
  return { result, cancel: () => void api.cancel().catch(() => undefined) };
}
