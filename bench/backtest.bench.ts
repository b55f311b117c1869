import { runBacktest } from '../workers/backtest/run-backtest.ts';
import { NO_COSTS } from '../workers/market/costs.ts';
import type { BarSeries } from '../workers/market/bar.ts';
import { syntheticBars, type BenchRow } from './lib.ts';

const N = 1_000_000;

/**
 * The peer: the same sma-cross rules as a bare hand-written loop (running sums,
 * fills at the next open, no events, no broker). It is the floor any engine
 * pays; the ratio shows what the one-loop engine, its decision record and the
 * paper broker cost on top.
 */
function bareLoop(s: BarSeries, fast: number, slow: number, units: number): number {
  const c = s.close;
  let sf = 0;
  let ss = 0;
  let pf = NaN;
  let ps = NaN;
  let pos = 0;
  let entry = 0;
  let pending = 0;
  let cash = 0;
  for (let i = 0; i < c.length; i++) {
    if (pending !== 0) {
      if (pos !== 0) cash += pos * (s.open[i] - entry) * units;
      pos = pending;
      entry = s.open[i];
      pending = 0;
    }
    sf += c[i] - (i >= fast ? c[i - fast] : 0);
    ss += c[i] - (i >= slow ? c[i - slow] : 0);
    const f = i >= fast - 1 ? sf / fast : NaN;
    const sl = i >= slow - 1 ? ss / slow : NaN;
    if (pf < ps && f > sl && pos !== 1) pending = 1;
    else if (pf > ps && f < sl && pos !== -1) pending = -1;
    pf = f;
    ps = sl;
  }
  return cash;
}

/** Median seconds of 3 timed runs after a warm-up, and the trade count (the same in both records). */
async function timeRuns(run: () => Promise<{ trades: unknown[] }>): Promise<{ seconds: number; trades: number }> {
  await run(); // warm-up
  const times: number[] = [];
  let trades = 0;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    const r = await run();
    times.push(performance.now() - t0);
    trades = r.trades.length;
  }
  times.sort((a, b) => a - b);
  return { seconds: times[1] / 1000, trades };
}

export default async function (): Promise<BenchRow[]> {
  const s = syntheticBars(N) as BarSeries;
  const agent = { id: 'b', name: 'bench', alpha: { kind: 'rule' as const, strategy: 'sma-cross', params: { fast: 10, slow: 20, longOnly: false } }, sizing: { kind: 'fixed' as const, units: 10_000 }, maxPositionPct: 1e6, stopAtr: null, targetAtr: null, trailAtr: null, atrPeriod: 14 };
  const run = (record: 'all' | 'trades') => () => runBacktest({ series: [s], agent, initialCash: 1e9, leverage: 1, costs: NO_COSTS, record });
  const all = await timeRuns(run('all'));
  // Orders and trades only (sweeps, evolution): the same trades and equity, no decisions recorded.
  const lean = await timeRuns(run('trades'));
  bareLoop(s, 10, 20, 10_000);
  const bare: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    bareLoop(s, 10, 20, 10_000);
    bare.push(performance.now() - t0);
  }
  bare.sort((a, b) => a - b);
  const bareRate = N / (bare[2] / 1000);
  const allRate = N / all.seconds;
  const leanRate = N / lean.seconds;
  const peer = 'bare hand-written loop (no engine, no events)';
  return [
    {
      name: `sma-cross 10/20 backtest through the engine, 1M bars (${all.trades} trades, every decision recorded)`,
      value: allRate,
      unit: 'bars/s',
      higherIsBetter: true,
      peer,
      peerValue: bareRate,
      target: '>= 2,000,000 bars/s',
      targetMet: allRate >= 2_000_000,
    },
    {
      name: `sma-cross 10/20 backtest through the engine, 1M bars (${lean.trades} trades, record 'trades': orders and trades only)`,
      value: leanRate,
      unit: 'bars/s',
      higherIsBetter: true,
      peer,
      peerValue: bareRate,
      target: '>= 5,000,000 bars/s',
      targetMet: leanRate >= 5_000_000,
    },
  ];
}
