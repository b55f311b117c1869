/**
 * Issue 18 item 3: `tradeguard backtest` end to end on the issue's file (1,000,000
 * seeded hourly bars as a ~100 MB CSV, written to a temp folder), against
 * backtesting.py doing the same work in the same run. Both are whole processes
 * timed from the outside: process start, loading the code, reading the CSV, the
 * backtest and the report. SMA cross 10/20 of the close, a fixed size of 1
 * unit, no costs, long/short reversal, fills at the next open.
 *
 * TradeGuard runs on a CSV it has never seen (parsed) and again (the
 * content-hash import cache), in turns with the peer, best of three each; the
 * same runs are also reported in CPU seconds (GNU time), which a busy shared
 * machine disturbs less than the wall clock. The peer is the copy of backtesting.py in
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
const RUNS = 3;
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
  /** User + system CPU seconds of the process (GNU time), or NaN without /usr/bin/time. */
  cpu: number;
  stdout: string;
  stderr: string;
}

const TIME = '/usr/bin/time';
const CPU_MARK = 'tg-bench-cpu';

/**
 * One whole process, timed from spawn to exit, and its CPU time when GNU time is there (on a
 * shared machine the CPU seconds say what the process cost; the wall clock includes waiting for a core).
 */
function timedProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv): Timed {
  const timed = existsSync(TIME);
  const t0 = performance.now();
  const r = timed ? spawnSync(TIME, ['-f', `${CPU_MARK} %U %S`, cmd, ...args], { encoding: 'utf8', env, maxBuffer: 64 << 20 }) : spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  const m = new RegExp(`${CPU_MARK} ([\\d.]+) ([\\d.]+)`).exec(r.stderr);
  return { seconds, cpu: m ? Number(m[1]) + Number(m[2]) : NaN, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `tradeguard backtest` through bin/tradeguard.mjs, as a user runs it. A run that
 * had to rebuild the relay first (another change to the sources landed meanwhile)
 * is not a backtest's time: it is run again.
 */
function tradeguard(args: string[], env: NodeJS.ProcessEnv): Timed {
  for (let attempt = 0; attempt < 5; attempt++) {
    const r = timedProcess(process.execPath, [join(root, 'bin', 'tradeguard.mjs'), 'backtest', ...args], env);
    if (!/building the relay/.test(r.stderr)) return r;
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
    const peer = peerDir();
    const peerRun = (): Timed | null => ('missing' in peer ? null : timedProcess(PYTHON, [join(peer.dir, 'sma_cross_fixed.py'), file, '1'], { ...process.env, PYTHONPATH: `${join(peer.dir, 'pystubs')}:${peer.dir}` }));
    // In turns (parsed: an empty cache each time; cached: the cache the first run filled; the peer), so a burst
    // of load on the shared machine falls on all three; the best of each.
    const parsed: Timed[] = [];
    const cached: Timed[] = [];
    const runs: Timed[] = [];
    for (let k = 0; k < RUNS; k++) {
      parsed.push(tradeguard(args, env(join(dir, `cache-${k}`))));
      cached.push(tradeguard(args, env(join(dir, 'cache-0'))));
      const p = peerRun();
      if (p) runs.push(p);
    }
    const best = (xs: Timed[]) => xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const leastCpu = (xs: Timed[]) => Math.min(...xs.map((x) => x.cpu));
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

    let peerSeconds: number | null = null;
    let peerCpu: number | null = null;
    let peerText = 'backtesting.py (pandas read_csv + Backtest.run), whole process';
    if ('missing' in peer) {
      process.stdout.write(`backtesting.py: skipped (${peer.missing})\n`);
      peerText = `backtesting.py: not run (${peer.missing})`;
    } else {
      const p = JSON.parse(best(runs).stdout.trim().split('\n').pop()!) as { bars: number; trades: number; final_equity: number };
      if (p.bars !== BARS) throw new Error(`backtesting.py read ${p.bars} bars, not ${BARS}`);
      if (p.trades !== ours.metrics.trades) throw new Error(`different trades: TradeGuard ${ours.metrics.trades}, backtesting.py ${p.trades}`);
      // The peer's equity is 1e12 plus the same moves, each rounded to its 1.2e-4 steps: equal to well within 0.01.
      const peerMoves = p.final_equity - PEER_CASH;
      if (Math.abs(peerMoves - moves) > 0.01) throw new Error(`different trades: the price moves sum to ${moves} here, ${peerMoves} in backtesting.py`);
      peerSeconds = best(runs).seconds;
      peerCpu = leastCpu(runs);
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
    if (peerSeconds !== null) analysis = `${budgetText(peerSeconds * 1000, best(parsed).seconds * 1000, best(cached).seconds * 1000)}\n\n${PROFILE}`;
    const what = `tradeguard backtest, sma-cross 10/20, 1M hourly bars (~100 MB CSV), ${ours.metrics.trades} trades, whole process`;
    const rows = [row(`${what}: a CSV never seen (parsed)`, best(parsed)), row(`${what}: the same CSV again (import cache)`, best(cached))];
    // The same runs in CPU seconds (user + system, every thread): what each process cost, whatever else the machine ran.
    if (Number.isFinite(leastCpu(cached))) {
      for (const [name, xs] of [['a CSV never seen (parsed)', parsed], ['the same CSV again (import cache)', cached]] as const) {
        rows.push({ name: `the same, ${name}: CPU time (user + system)`, value: leastCpu(xs) * 1000, unit: 'ms', higherIsBetter: false, peer: 'backtesting.py, CPU time (user + system)', peerValue: peerCpu === null ? (null as unknown as number) : peerCpu * 1000 });
      }
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where the time goes, from the profiles; the budget line is written from this run's numbers when the bench has run (run.ts reads it after). */
const PROFILE =
  "The issue measured ~7 s against ~14 s; since then ~1.4-2.0 s against ~8.3-8.7 s in the same run, the same 55,088 trades (count, and the trades' summed price moves equal to backtesting.py's final equity less its cash within 0.0001). Where TradeGuard's ~1.7 s of CPU go (node --cpu-prof of the command, cached run): the backtest ~1.1 s (see backtest.bench.ts; the collector is a quarter of the process), reading the 100 MB file and hashing it for the cache ~0.1-0.3 s, loading the code ~0.1 s (each command's modules now load when it runs: a backtest without models no longer loads onnxruntime, the brokers' protocols or SQLite). The command records decisions only when --decisions or --dataset reads them (or --record all asks): about a third of the backtest's time before.";

export function budgetText(peerMs: number, parsedMs: number, cachedMs: number): string {
  const budget = peerMs / 10;
  // csv-import.bench.ts: ~210 MB/s for this file on this machine; startup.bench.ts: ~0.1 s for a compiled start; the cache: ~0.1 s to read and hash.
  const parseMs = 100 / 0.21;
  // backtest.bench.ts, same series and trades: the record alone ~200 ns a bar, a quiet bar through the engine ~450-560 ns.
  const floorNs = 200 + 450;
  const left = (ms: number) => {
    const nsPerBar = Math.round(ms); // ms for 1M bars = ns a bar
    return `~${Math.round(ms)} ms for the 1M-bar backtest in a cold process, ${nsPerBar} ns a bar, against ~${floorNs} ns for the trades' record alone plus a quiet bar through the engine (backtest.bench.ts, its third and fourth rows)${nsPerBar < floorNs ? ': below the two together, so not reachable by this engine' : ', before each reversal\'s own ~6 µs'}`;
  };
  return `Target: 10x backtesting.py is ${Math.round(budget)} ms for the whole process in this run; TradeGuard took ${Math.round(parsedMs)} ms (parsed) and ${Math.round(cachedMs)} ms (cached). A CSV never seen: parsing 100 MB (~${Math.round(parseMs)} ms at the ~210 MB/s of csv-import.bench.ts) and a start (~100 ms) leave ${left(budget - parseMs - 100)}. The same CSV again (the cache: ~0.1 s to read and hash, and the start) leaves ${left(budget - 200)}.`;
}

export let analysis = PROFILE;
