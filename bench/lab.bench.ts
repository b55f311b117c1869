import { availableParallelism, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EvolutionPool } from '../relay/lab/evolution-pool.ts';
import { inProcessEvaluator, type EvaluationJob } from '../workers/cells/evolution-run.ts';
import { BUILTIN_CELLS } from '../workers/lab/builtin-cells.ts';
import { compile } from '../workers/lab/compile.ts';
import { runBatch } from '../workers/lab/batch.ts';
import { mutate } from '../workers/lab/evolution/mutate.ts';
import { printProgram } from '../workers/lab/evolution/print.ts';
import { parse } from '../workers/lab/parser.ts';
import type { Bar, BarSeries } from '../workers/market/bar.ts';
import { importBarsCsv } from '../workers/market/csv.ts';
import { ruleStrategy } from '../workers/strategies/index.ts';
import { runBacktest } from '../workers/backtest/run-backtest.ts';
import { NO_COSTS } from '../workers/market/costs.ts';
import { seededRandom, syntheticBars, type BenchRow } from './lib.ts';

/**
 * The strategy lab's two benchmarks (issue 17):
 * 1. evolution's throughput: distinct children of the built-in cells (seeded
 *    mutations, as a run breeds them) evaluated on the 5,000 bundled EURUSD H1
 *    bars on every core through the relay's worker pool (fast test, batched),
 *    against the same cells through testCell (the engine's backtest) in one thread;
 * 2. the compiled language against the TypeScript sma-cross on 1M seeded bars:
 *    the built-in sma-cross cell backtested through the engine (as an agent
 *    runs it) against the TypeScript one through the same engine; then the
 *    strategies alone: the cell's streaming LabStrategy fed bar by bar as the
 *    engine feeds a strategy (update, inputs, levels, decide), and runBatch over
 *    the whole series, each against the TypeScript sma-cross fed the same way.
 */

const CELLS = 400;
const N = 1_000_000;

function eurusd(): BarSeries {
  const path = fileURLToPath(new URL('../public/data/EURUSD.csv', import.meta.url));
  const r = importBarsCsv(readFileSync(path, 'utf8'), { symbol: 'EURUSD' });
  if (!r.ok || !r.series) throw new Error('the bundled EURUSD did not import');
  return r.series;
}

/** `count` distinct compiling children of the built-in cells, from a seed. */
function children(count: number): string[] {
  const random = seededRandom(17);
  const parents = BUILTIN_CELLS.map((c) => parse(c.source).ast);
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < count) {
    const m = mutate(parents[Math.floor(random() * parents.length)], random, 1 + Math.floor(random() * 3));
    if (!m) continue;
    const source = printProgram(m.ast);
    if (seen.has(source) || !compile(source).program) continue;
    seen.add(source);
    out.push(source);
  }
  return out;
}

async function cellsPerSecond(): Promise<BenchRow> {
  const series = eurusd();
  const period = { from: series.time[0], to: series.time[series.time.length - 1] };
  const jobs = (mode: 'fast' | 'full', tag: string): EvaluationJob[] =>
    children(CELLS).map((source, k) => ({ strategy: `lab:bench-${tag}-${k}`, name: `bench ${k}`, source, period, sample: 'in', mode }));

  const pool = new EvolutionPool(availableParallelism());
  const t0 = performance.now();
  const evaluate = pool.evaluator(series);
  await Promise.all(jobs('fast', 'cold').slice(0, 2 * pool.size).map(evaluate)); // workers started, JIT warm
  const coldMs = performance.now() - t0;
  const times: number[] = [];
  let trades = 0;
  for (let k = 0; k < 3; k++) {
    const batch = jobs('fast', `pool${k}`);
    const t = performance.now();
    const tests = await Promise.all(batch.map(evaluate));
    times.push(performance.now() - t);
    trades = tests.reduce((n, r) => n + r.result.metrics.trades, 0);
  }
  await pool.close();
  times.sort((a, b) => a - b);
  const rate = CELLS / (times[1] / 1000);

  const here = inProcessEvaluator(series);
  const peerJobs = jobs('full', 'peer');
  await here(peerJobs[0]); // JIT warm
  const p0 = performance.now();
  let peerTrades = 0;
  for (const j of peerJobs) peerTrades += (await here(j)).result.metrics.trades;
  const peerRate = CELLS / ((performance.now() - p0) / 1000);
  if (peerTrades !== trades) throw new Error(`the fast test's trades (${trades}) differ from testCell's (${peerTrades})`);

  return {
    name: `evolution: ${CELLS} mutated cells evaluated on 5,000 EURUSD H1 bars, fast test on ${pool.size} worker threads (${trades} trades, equal to testCell's; pool start ${Math.round(coldMs)} ms not counted; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores)`,
    value: rate,
    unit: 'cells/s',
    higherIsBetter: true,
    peer: 'the same cells through testCell (the engine backtest), one thread',
    peerValue: peerRate,
    target: '>= 200 cells/s',
    targetMet: rate >= 200,
  };
}

/** Feeds every bar to a strategy as the engine does: update, inputs, levels, decide. */
function feed(create: () => ReturnType<ReturnType<typeof ruleStrategy>['create']>, s: BarSeries): number {
  const strategy = create();
  const inputs: Record<string, number> = {};
  const bar: Bar = { time: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
  let signals = 0;
  for (let i = 0; i < s.time.length; i++) {
    bar.time = s.time[i];
    bar.open = s.open[i];
    bar.high = s.high[i];
    bar.low = s.low[i];
    bar.close = s.close[i];
    bar.volume = s.volume[i];
    strategy.update(bar);
    strategy.inputs(inputs);
    strategy.levels?.();
    if (strategy.decide().direction !== null) signals++;
  }
  return signals;
}

function median(fn: () => unknown, runs = 5): number {
  fn();
  const t: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[runs >> 1];
}

/** The backtest.bench.ts run (fixed 10,000 units, no costs, every decision recorded) of a rule strategy: median ms of 3 after a warm-up, and its trades. */
async function engineRun(s: BarSeries, strategy: string, params: Record<string, number | boolean>): Promise<{ ms: number; trades: number }> {
  const agent = { id: 'b', name: 'bench', alpha: { kind: 'rule' as const, strategy, params }, sizing: { kind: 'fixed' as const, units: 10_000 }, maxPositionPct: 1e6, stopAtr: null, targetAtr: null, trailAtr: null, atrPeriod: 14 };
  const run = () => runBacktest({ series: [s], agent, initialCash: 1e9, leverage: 1, costs: NO_COSTS });
  let trades = (await run()).trades.length;
  const t: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    trades = (await run()).trades.length;
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { ms: t[1], trades };
}

async function engineRow(): Promise<BenchRow> {
  const s = syntheticBars(N) as BarSeries;
  const ts = await engineRun(s, 'sma-cross', { fast: 10, slow: 20, longOnly: false });
  const lab = await engineRun(s, 'lab:sma-cross', {});
  if (ts.trades !== lab.trades) throw new Error(`the cell's trades (${lab.trades}) differ from sma-cross's (${ts.trades})`);
  return {
    name: `language: the built-in sma-cross cell (streaming LabStrategy) backtested through the engine, 1M bars (${lab.trades} trades, equal to sma-cross's)`,
    value: N / (lab.ms / 1000),
    unit: 'bars/s',
    higherIsBetter: true,
    peer: 'TypeScript sma-cross 10/20 through the same engine',
    peerValue: N / (ts.ms / 1000),
    target: 'within 2x of TypeScript',
    targetMet: lab.ms <= 2 * ts.ms,
  };
}

function languageRows(): BenchRow[] {
  const s = syntheticBars(N) as BarSeries;
  const ts = () => ruleStrategy('sma-cross').create({ fast: 10, slow: 20, longOnly: false });
  const lab = () => ruleStrategy('lab:sma-cross').create({});
  const program = compile(BUILTIN_CELLS.find((c) => c.name === 'sma-cross')!.source).program!;
  const tsSignals = feed(ts, s);
  const labSignals = feed(lab, s);
  const batch = runBatch(program, s);
  let batchSignals = 0;
  for (let i = 0; i < N; i++) if (!Number.isNaN(batch.signal[i])) batchSignals++;
  if (labSignals !== batchSignals) throw new Error(`streaming (${labSignals}) and batch (${batchSignals}) signals differ`);
  const tsMs = median(() => feed(ts, s));
  const labMs = median(() => feed(lab, s));
  const batchMs = median(() => runBatch(program, s));
  const rate = (ms: number) => N / (ms / 1000);
  const peer = `TypeScript sma-cross 10/20 fed bar by bar (${tsSignals} signals)`;
  return [
    { name: `language: the built-in sma-cross cell alone, streaming LabStrategy fed bar by bar as the engine feeds it, 1M bars (${labSignals} signals)`, value: rate(labMs), unit: 'bars/s', higherIsBetter: true, peer, peerValue: rate(tsMs), target: 'within 2x of TypeScript', targetMet: labMs <= 2 * tsMs },
    { name: `language: the built-in sma-cross cell, runBatch over the whole series, 1M bars (${batchSignals} signals)`, value: rate(batchMs), unit: 'bars/s', higherIsBetter: true, peer, peerValue: rate(tsMs), target: 'within 2x of TypeScript', targetMet: batchMs <= 2 * tsMs },
  ];
}

export default async function (): Promise<BenchRow[]> {
  return [await cellsPerSecond(), await engineRow(), ...languageRows()];
}
