import { drawdownCurve } from '../../workers/backtest/metrics.ts';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import { registerCellStrategy } from '../../workers/strategies/index.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';
import type { InferenceSession } from '../../workers/models/inference/session.ts';
import type { BacktestJob, BacktestOutcome } from './protocol.ts';

export interface JobHooks {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Opens an ONNX session for a stored bundle (createOrtSession in the worker). */
  createSession: (bytes: Uint8Array, label: string) => Promise<InferenceSession>;
}

/**
 * Runs one job through the engine's own backtest (workers/backtest): loads the
 * attached models, replays at full speed yielding every few thousand bars so
 * progress and Cancel get through, and releases the sessions whatever happens.
 */
export async function runBacktestJob(job: BacktestJob, hooks: JobHooks): Promise<BacktestOutcome> {
  const t0 = performance.now();
  const loaded = new Map<string, LoadedModel>();
  let barsDone = 0;
  try {
    for (const c of job.cells ?? []) registerCellStrategy(c.strategy, c.description, c.source);
    for (const m of job.models) loaded.set(m.id, { id: m.id, manifest: m.manifest, session: await hooks.createSession(m.bytes, m.id) });
    const result = await runBacktest({
      series: [job.series],
      agent: job.agent,
      initialCash: job.initialCash,
      leverage: job.leverage,
      costs: job.costs,
      risk: job.risk,
      models: (id) => {
        const m = loaded.get(id);
        if (!m) throw new Error(`model ${id} is not in this workspace (import it on the Models page)`);
        return m;
      },
      // About a hundred progress reports per run: smooth, and Cancel lands within a percent.
      yieldEvery: job.yieldEvery ?? Math.min(20_000, Math.max(250, Math.ceil(job.series.time.length / 100))),
      timers: wallClock,
      onProgress: (done, total) => {
        barsDone = done;
        hooks.onProgress?.(done, total);
      },
      signal: hooks.signal,
    });
    return {
      symbol: job.series.symbol,
      timeframe: job.series.timeframe,
      metrics: result.metrics,
      equity: { time: result.equity.time, equity: result.equity.equity, drawdown: drawdownCurve(result.equity.equity, job.initialCash) },
      trades: result.trades,
      openPositions: [...result.openPositions],
      barsDone,
      barsTotal: job.series.time.length,
      // A cancel that arrives after the last bar changes nothing.
      cancelled: result.cancelled && barsDone < job.series.time.length,
      elapsedMs: performance.now() - t0,
      risk: result.risk,
    };
  } finally {
    for (const m of loaded.values()) await m.session.release().catch(() => undefined);
  }
}
