/**
 * Issue 18 item 3: `tradeguard backtest` end to end on the issue's file (1,000,000
 * seeded hourly bars as a ~100 MB CSV, written to a temp folder), against
 * backtesting.py doing the same work in the same run. Both are whole processes
 * timed from the outside: process start, loading the code, reading the CSV, the
 * backtest and the report. SMA cross 10/20 of the close, a fixed size of 1
 * unit, no costs, long/short reversal, fills at the next open.
 *
 * TradeGuard runs twice: on a CSV it has never seen (parsed), and again (the
 * content-hash import cache). The peer is the copy of backtesting.py in
 * ../shared/peers/backtesting.py (or TG_BACKTESTING_PY), run by Debian's
 * /usr/bin/python3 with pandas; it is AGPL and only ever run as a separate
 * process here, never imported or copied. Without it the rows say why.
 * The trade counts must be equal, and the trades' summed price moves must
 * equal the peer's final equity less its cash, or the bench fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBarsCsv } from '../workers/market/csv.ts';
import { syntheticBars, type BenchRow } from './lib.ts';

const BARS = 1_000_000;
/** The csv-import bench's seed: one file for both benches. */
const SEED = 18;
const PEER_CASH = 1e12;
const RUNS = 2;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = '/usr/bin/python3';

/** The peer's folder, or why it cannot run. */
function peerDir(): { dir: string } | { missing: string } {
  const dir = process.env.TG_BACKTESTING_PY ?? resolve(root, '..', 'shared', 'peers', 'backtesting.py');
  if (!existsSync(join(dir, 'sma_cross_fixed.py'))) return { missing: `no backtesting.py peer at ${dir} (set TG_BACKTESTING_PY)` };
  if (!existsSync(PYTHON)) return { missing: `no ${PYTHON}` };
  const pandas = spawnSync(PYTHON, ['-c', 'import pandas'], { encoding: 'utf8' });
  if (pandas.status !== 0) return { missing: `${PYTHON} has no pandas (apt-get install python3-pandas)` };
  return { dir };
}

interface Timed {
  seconds: number;
  stdout: string;
}

/** One whole process, timed from spawn to exit; fails loudly on a non-zero exit. */
function timedProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv): Timed {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

/**
 * `tradeguard backtest` through bin/tradeguard.mjs, as a user runs it. A run that
 * had to rebuild the relay first (another change to the sources landed meanwhile)
 * is not a backtest's time: it is run again.
 */
function tradeguard(args: string[], env: NodeJS.ProcessEnv): Timed {
  for (let attempt = 0; attempt < 5; attempt++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(root, 'bin', 'tradeguard.mjs'), 'backtest', ...args], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`tradeguard backtest ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
    if (!/building the relay/.test(r.stderr)) return { seconds, stdout: r.stdout };
  }
  throw new Error('the relay was rebuilt before every run: the sources keep changing');
}

interface Report {
  metrics: { trades: number };
  openPositions: { side: number; entryPrice: number }[];
}

export default function (): BenchRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-e2e-'));
  try {
    const bars = syntheticBars(BARS, SEED);
    const file = join(dir, 'synth.csv');
    writeFileSync(file, formatBarsCsv({ ...bars, symbol: 'SYNTH', timeframe: 'H1' }));
    const args = ['--data', file, '--strategy', 'sma-cross', '--fast', '10', '--slow', '20', '--size', '1', '--cash', String(PEER_CASH), '--leverage', '1', '--json'];
    const env = (cache: string) => ({ ...process.env, TG_CSV_CACHE_DIR: cache });
    // Parsed: each run with an empty cache. Cached: the same cache, filled by a run first.
    const parsed: Timed[] = [];
    for (let k = 0; k < RUNS; k++) parsed.push(tradeguard(args, env(join(dir, `cache-${k}`))));
    const cached: Timed[] = [];
    for (let k = 0; k < RUNS; k++) cached.push(tradeguard(args, env(join(dir, 'cache-0'))));
    const best = (xs: Timed[]) => xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const ours = JSON.parse(best(parsed).stdout) as Report;
    // Untimed: the trades themselves, for the comparison.
    const tradesFile = join(dir, 'trades.csv');
    const check = JSON.parse(tradeguard([...args, '--trades', tradesFile], env(join(dir, 'cache-0'))).stdout) as Report;
    const lines = readFileSync(tradesFile, 'utf8').trim().split('\n');
    const head = lines[0].split(',');
    const [side, entry, exit] = ['side', 'entry_price', 'exit_price'].map((c) => head.indexOf(c));
    // Price moves per unit, summed over the closed trades and the position still open at the last close.
    let moves = 0;
    for (const l of lines.slice(1)) {
      const f = l.split(',');
      moves += (f[side] === 'long' ? 1 : -1) * (Number(f[exit]) - Number(f[entry]));
    }
    for (const p of check.openPositions) moves += p.side * (bars.close[BARS - 1] - p.entryPrice);

    const peer = peerDir();
    let peerSeconds: number | null = null;
    let peerText = 'backtesting.py (pandas read_csv + Backtest.run), whole process';
    if ('missing' in peer) {
      process.stdout.write(`backtesting.py: skipped (${peer.missing})\n`);
      peerText = `backtesting.py: not run (${peer.missing})`;
    } else {
      const runs: Timed[] = [];
      for (let k = 0; k < RUNS; k++) runs.push(timedProcess(PYTHON, [join(peer.dir, 'sma_cross_fixed.py'), file, '1'], { ...process.env, PYTHONPATH: `${join(peer.dir, 'pystubs')}:${peer.dir}` }));
      const p = JSON.parse(best(runs).stdout.trim().split('\n').pop()!) as { bars: number; trades: number; final_equity: number };
      if (p.bars !== BARS) throw new Error(`backtesting.py read ${p.bars} bars, not ${BARS}`);
      if (p.trades !== ours.metrics.trades) throw new Error(`different trades: TradeGuard ${ours.metrics.trades}, backtesting.py ${p.trades}`);
      // The peer's equity is 1e12 plus the same moves, each rounded to its 1.2e-4 steps: equal to well within 0.01.
      const peerMoves = p.final_equity - PEER_CASH;
      if (Math.abs(peerMoves - moves) > 0.01) throw new Error(`different trades: the price moves sum to ${moves} here, ${peerMoves} in backtesting.py`);
      peerSeconds = best(runs).seconds;
      peerText += `; ${p.trades} trades, price moves ${peerMoves.toFixed(4)} (TradeGuard ${moves.toFixed(4)})`;
    }
    const row = (name: string, t: Timed): BenchRow => ({
      name,
      value: t.seconds * 1000,
      unit: 'ms',
      higherIsBetter: false,
      peer: peerText,
      peerValue: peerSeconds === null ? (null as unknown as number) : peerSeconds * 1000,
      target: '>= 10x backtesting.py end to end',
      targetMet: peerSeconds !== null && peerSeconds / t.seconds >= 10,
    });
    const what = `tradeguard backtest, sma-cross 10/20, 1M hourly bars (~100 MB CSV), ${ours.metrics.trades} trades, whole process`;
    return [row(`${what}: a CSV never seen (parsed)`, best(parsed)), row(`${what}: the same CSV again (import cache)`, best(cached))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
