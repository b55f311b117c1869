import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { CELL_TEST_ACCOUNT, cellTestAgent, testCell } from '../../workers/cells/cell-test.ts';
import { fastTestCell, simulate } from '../../workers/cells/fast-test.ts';
import type { BarSeries } from '../../workers/market/bar.ts';
import { lowerBound } from '../../workers/market/merge.ts';
import { BUILTIN_CELLS } from '../../workers/lab/builtin-cells.ts';
import { compile } from '../../workers/lab/compile.ts';
import { marketColumns } from '../../workers/lab/batch.ts';
import { rankIn } from '../../workers/lab/ops.ts';
import { seededRandom } from '../../workers/util/seeded-random.ts';
import { registerCellStrategy } from '../../workers/strategies/index.ts';
import { inProcessEvaluator, runEvolution, type EvaluationJob } from '../../workers/cells/evolution-run.ts';
import type { EvolutionSpec } from '../../workers/lab/evolution/spec.ts';
import { bundled } from '../helpers/bundled.ts';
import { evolutionSpec, labStore, T0 } from './evolution-fixture.ts';
import { EvolutionPool } from '../../relay/lab/evolution-pool.ts';

// The fast cell test (evolution's in-sample screen) against the engine's backtest
// through testCell: the same trades, one for one, and the same metrics and error.

const eurusd = bundled('EURUSD');
let n = 0;

/** The engine's trades for a program under testCell's own settings (testCell gives only their metrics). */
async function engineTrades(strategy: string, series: BarSeries, from: number, to: number) {
  const r = await runBacktest({
    series: [series],
    agent: cellTestAgent(strategy),
    ...CELL_TEST_ACCOUNT,
    from,
    to,
  });
  return r.trades;
}

const strip = (ts: readonly { side: number; volumeUnits: number; entryTime: number; entryPrice: number; exitTime: number; exitPrice: number; reason: string; netPnl: number }[]) =>
  ts.map(({ side, volumeUnits, entryTime, entryPrice, exitTime, exitPrice, reason, netPnl }) => ({ side, volumeUnits, entryTime, entryPrice, exitTime, exitPrice, reason, netPnl }));

async function compare(source: string, series: BarSeries, from: number, to: number) {
  const strategy = `lab:fast-test-${++n}`;
  registerCellStrategy(strategy, 'test', source);
  const program = compile(source).program!;
  const slow = await testCell(strategy, series, { from, to, sample: 'in' });
  const fast = fastTestCell(program, series, { from, to, sample: 'in' });
  const trades = simulate(program, series, lowerBound(series.time, from), lowerBound(series.time, to + 1)).trades;
  return { slow, fast, fastTrades: strip(trades), slowTrades: strip(await engineTrades(strategy, series, from, to)) };
}

const first = eurusd.time[0];
const last = eurusd.time[eurusd.time.length - 1];
const split = eurusd.time[Math.floor(eurusd.time.length * 0.7)];

describe('fastTestCell equals testCell trade for trade', () => {
  for (const cell of BUILTIN_CELLS) {
    it(`built-in ${cell.name} on EURUSD H1, whole series and in sample (70 %)`, async () => {
      for (const [from, to] of [[first, last], [first, split], [split, last]]) {
        const r = await compare(cell.source, eurusd, from, to);
        expect(r.slowTrades.length).toBeGreaterThan(5);
        expect(r.fastTrades).toEqual(r.slowTrades);
        expect(r.fast).toEqual(r.slow);
      }
    }, 60_000);
  }

  const programs: Record<string, string> = {
    'a target, a bars_in_trade exit, long only': 'long when crosses_above(ema(close, 9), ema(close, 21)) and rsi(14) < 70\nexit when bars_in_trade > 12\ntarget 1.5 * atr(14)\n',
    'no stop of its own: the agent 2 x ATR stop; a trail': 'long when close > highest(high, 20)[1]\nshort when close < lowest(low, 20)[1]\ntrail 1 * atr(10)\n',
    'an exit that reads the position': 'long when rsi(14) < 35\nshort when rsi(14) > 65\nexit when position > 0 and rsi(14) > 55 or position < 0 and rsi(14) < 45\nstop 0.004\ntarget 0.006\n',
  };
  for (const [what, source] of Object.entries(programs)) {
    it(`${what}`, async () => {
      const r = await compare(source, eurusd, eurusd.time[300], split);
      expect(r.slowTrades.length).toBeGreaterThan(5);
      expect(r.fastTrades).toEqual(r.slowTrades);
      expect(r.fast).toEqual(r.slow);
    }, 60_000);
  }

  it('a stop that is not a positive distance is the same run-time error at the same bar', async () => {
    const r = await compare('long when crosses_above(sma(close, 5), sma(close, 20))\nstop close - close\n', eurusd, first, split);
    expect(r.slow.error).not.toBeNull();
    expect(r.fast.error).toEqual(r.slow.error);
    expect(r.fast.result).toEqual(r.slow.result);
  }, 60_000);

  it('a value that is not a number is the same run-time error at the same bar', async () => {
    const r = await compare('long when sma(close / (high - high), 3) > 1\n', eurusd, first, split);
    expect(r.slow.error?.message).toMatch(/invalid features/);
    expect(r.fast.error).toEqual(r.slow.error);
  }, 60_000);

  it('a period with no bars is refused in words', () => {
    const t = fastTestCell(compile(BUILTIN_CELLS[0].source).program!, eurusd, { from: last + 1, to: last + 1000 });
    expect(t.error?.message).toMatch(/^no bars between/);
    expect(t.result.metrics.trades).toBe(0);
  });
});

describe("evolution's in-sample screen", () => {
  const lab = () => labStore(['sma-cross', 'mean-reversion']);
  const spec = (over: Partial<EvolutionSpec> = {}) => evolutionSpec({ parents: ['my-sma-cross', 'my-mean-reversion'], seed: 5, population: 8, generations: 2, keep: 3, ...over });

  it("'fast' (the default) breeds and judges the same cells as 'full', children fast and survivors by testCell in sample and out", async () => {
    const jobs: EvaluationJob[] = [];
    const seen = () => {
      const inner = inProcessEvaluator(eurusd);
      return (job: EvaluationJob) => {
        jobs.push(job);
        return inner(job);
      };
    };
    const fastStore = await lab();
    const fast = await runEvolution({ store: fastStore, now: () => T0 }, spec(), { evaluate: seen() });
    const fastJobs = jobs.splice(0);
    const full = await runEvolution({ store: await lab(), now: () => T0 }, spec({ evaluation: 'full' }), { evaluate: seen() });
    if (!fast.ok || !full.ok) throw new Error('the runs did not start');
    expect(fast.cells.length).toBeGreaterThan(10);
    expect(fast.cells).toEqual(full.cells);
    expect(fast.survivors.length).toBeGreaterThan(0);
    expect(fast.survivors).toEqual(full.survivors);
    // Children fast; each survivor one testCell job: out of sample with its in-sample period again.
    expect(fastJobs.filter((j) => j.sample === 'in').every((j) => j.mode === 'fast')).toBe(true);
    expect(fastJobs.filter((j) => j.sample === 'out').map((j) => [j.mode, j.inSampleAgain])).toEqual(fast.survivors.map(() => ['full', spec().inSample]));
    expect(jobs.every((j) => j.mode === 'full' && j.inSampleAgain === undefined)).toBe(true);
  }, 120_000);

  it('a spec asking another evaluation is refused at its field', async () => {
    const out = await runEvolution({ store: await lab(), now: () => T0 }, { ...spec(), evaluation: 'quick' as 'fast' });
    expect(out).toMatchObject({ ok: false, field: 'evaluation', status: 400 });
    if (!out.ok) expect(out.message).toBe(`evaluation must be 'fast' or 'full' (got "quick")`);
  });
});

describe('batch columns', () => {
  it('percentile_rank over a sorted window equals the streaming scan (rankIn), with ties, gaps (NaN) and infinities', () => {
    const random = seededRandom(3);
    const volume = Float64Array.from(eurusd.volume, (v) => {
      const u = random();
      return u < 0.05 ? NaN : u < 0.3 ? Math.floor(u * 20) : u < 0.31 ? Infinity : v;
    });
    const s = { ...eurusd, volume };
    for (const n of [1, 2, 7, 100, 333]) {
      const program = compile(`long when percentile_rank(volume, ${n}) > 50\n`).program!;
      const got = marketColumns(program, s)[program.nodes.find((x) => x.op === 'rank')!.id]!;
      const want = Array.from(got, (_, i) => (i < n ? NaN : rankIn(volume, i - n, n, volume[i])));
      expect(Array.from(got)).toEqual(want);
    }
  });
});

describe('the evolution pool', () => {
  it('answers jobs sent together in batches, each with its own test, equal to this thread', async () => {
    const period = { from: first, to: split };
    const sources = BUILTIN_CELLS.flatMap((c) => [c.source, c.source.replace(/14\)/g, '10)')]);
    const jobs: EvaluationJob[] = sources.flatMap((source, k) => (['fast', 'full'] as const).map((mode) => ({ strategy: `lab:pool-${k}-${mode}`, name: `pool ${k}`, source, period, sample: 'in' as const, mode })));
    const pool = new EvolutionPool(2);
    try {
      const evaluate = pool.evaluator(eurusd);
      const got = await Promise.all(jobs.map(evaluate));
      expect(pool.spawned).toBe(2);
      expect(pool.batches).toBeLessThan(jobs.length);
      const here = inProcessEvaluator(eurusd);
      for (let k = 0; k < jobs.length; k++) expect(got[k]).toEqual(await here(jobs[k]));
      // The fast and the full test of one source agree.
      for (let k = 0; k < jobs.length; k += 2) expect(got[k]).toEqual(got[k + 1]);
    } finally {
      await pool.close();
    }
  }, 120_000);
});
