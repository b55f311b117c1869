/**
 * Resident memory of the headless relay (SQLite store, workspace host, HTTP
 * server, account poll) replaying 5 symbols through a month of 5-minute bars,
 * sampled as it runs; and the same bars through runBacktest in memory as the
 * peer. Each runs in its own Node process, so neither sees the other's heap,
 * from this file bundled as JavaScript, as the relay runs from build/relay
 * (scripts/build-relay.mjs): through tsx, a process also holds tsx's loader
 * thread and the compiled sources, ~40 MB the relay never has.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BarSeries } from '../workers/market/bar.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../workers/engine/demo.ts';
import type { AgentConfig } from '../workers/engine/agent-config.ts';
import { quantile, seededRandom, type BenchRow } from './lib.ts';

const SYMBOLS: [string, number][] = [
  ['EURUSD', 1.08],
  ['GBPUSD', 1.27],
  ['USDJPY', 151.2],
  ['AUDUSD', 0.66],
  ['USDCHF', 0.88],
];
const BARS = 30 * 288; // a month of M5 bars, weekends included
const CHILD_FLAG = '--relay-memory-child';
/** As the Dockerfile and the systemd unit run the relay (NODE_OPTIONS): a smaller young generation, ~15 MB less RSS. */
const NODE_FLAGS = ['--max-semi-space-size=4'];

function m5Bars(symbol: string, p0: number, seed: number): BarSeries {
  const rnd = seededRandom(seed);
  const s = { symbol, timeframe: 'M5' as const, time: new Float64Array(BARS), open: new Float64Array(BARS), high: new Float64Array(BARS), low: new Float64Array(BARS), close: new Float64Array(BARS), volume: new Float64Array(BARS) };
  let p = p0;
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < BARS; i++) {
    const c = p * (1 + (rnd() - 0.5) * 0.0016);
    s.time[i] = t0 + i * 300_000;
    s.open[i] = p;
    s.close[i] = c;
    s.high[i] = Math.max(p, c) * (1 + rnd() * 0.0003);
    s.low[i] = Math.min(p, c) * (1 - rnd() * 0.0003);
    s.volume[i] = 100 + Math.floor(rnd() * 500);
    p = c;
  }
  return s;
}

const series = () => SYMBOLS.map(([sym, p], i) => m5Bars(sym, p, 7 + i));
const agent: AgentConfig = { ...DEMO_AGENT, id: 'mem', name: 'memory bench', symbols: SYMBOLS.map(([s]) => s), timeframe: 'M5' };

/** `afterGc`: taken right after a full collection (every 10th sample), so it shows what is retained, not what V8 has yet to collect. */
type Sample = [done: number, rssMb: number, heapMb: number, afterGc: 0 | 1];

function sampler(progress: () => number) {
  const samples: Sample[] = [];
  let n = 0;
  const forceGc = process.argv[4] === 'gc';
  const take = () => {
    const gc = forceGc && n++ % 5 === 0 ? (globalThis as { gc?: () => void }).gc : undefined;
    gc?.();
    samples.push([progress(), process.memoryUsage.rss() / 2 ** 20, process.memoryUsage().heapUsed / 2 ** 20, gc ? 1 : 0]);
  };
  take();
  const t = setInterval(take, 50);
  return { samples, stop: () => (clearInterval(t), take(), samples) };
}

async function childRelay(): Promise<Sample[]> {
  const { openHeadlessRelay } = await import('./headless-relay.ts');
  const bars = series();
  const relay = await openHeadlessRelay({
    prefix: 'tg-bench-mem-',
    loadModel: () => Promise.reject(new Error('no models')),
    serverLoadModel: () => () => Promise.reject(new Error('none')),
    seed: async () => ({ bars, models: [], init: { kind: 'workspace.init', account: DEMO_ACCOUNT, feed: { kind: 'replay', series: bars.map((s) => ({ symbol: s.symbol, timeframe: s.timeframe })) } }, commands: [{ kind: 'agent.create', config: agent }] }),
  });
  bars.length = 0; // the store holds them now; the seed's copy must not count
  let done = 0;
  relay.host.subscribe((u) => (done = u.status.feed.done));
  const s = sampler(() => done);
  await relay.host.start();
  await relay.replayEnd();
  const out = s.stop();
  await relay.close();
  return out;
}

async function childBacktest(): Promise<Sample[]> {
  const { runBacktest } = await import('../workers/backtest/run-backtest.ts');
  const { wallClock } = await import('../workers/trading/wall-clock.ts');
  const { symbols: _s, timeframe: _t, ...rest } = agent;
  let done = 0;
  const s = sampler(() => done);
  await runBacktest({ series: series(), agent: rest, ...DEMO_ACCOUNT, timers: wallClock, yieldEvery: 200, onProgress: (d) => (done = d) });
  return s.stop();
}

if (process.argv[2] === CHILD_FLAG) {
  const samples = process.argv[3] === 'relay' ? await childRelay() : await childBacktest();
  process.stdout.write(`\nSAMPLES ${JSON.stringify(samples)}\n`);
  process.exit(0);
}

/** This file as ES modules (packages left to node_modules), two folders deep like build/relay, so paths from import.meta.url resolve alike. */
async function bundle(): Promise<string> {
  const outdir = fileURLToPath(new URL('../build/bench', import.meta.url));
  // Imported here, not at the top: the children run this file too, and esbuild's module alone is ~15 MB of RSS.
  const { build } = await import('esbuild');
  // Split as scripts/build-relay.mjs splits the relay: a module loaded on use (the Telegram bot, only with a token) keeps its packages out until then.
  await build({ entryPoints: { 'relay-memory': fileURLToPath(import.meta.url) }, outdir, bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning' });
  return join(outdir, 'relay-memory.js');
}

/** `gc`: a full collection before every 5th sample (for the slope); without it the peak is what a real run reaches. */
function runChild(script: string, mode: 'relay' | 'backtest', gc: boolean): Sample[] {
  const r = spawnSync(process.execPath, [...NODE_FLAGS, '--expose-gc', script, CHILD_FLAG, mode, gc ? 'gc' : 'no-gc'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('SAMPLES '));
  if (r.status !== 0 || !line) throw new Error(`relay-memory ${mode} child failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line.slice(8)) as Sample[];
}

/** Least-squares slope of RSS after a full GC over bars done, second half of the run, MB per 10,000 bars. */
function slope(samples: Sample[]): number {
  const total = samples[samples.length - 1][0];
  let xs = samples.filter(([d, , , gc]) => gc === 1 && d >= total / 2 && d > 0);
  if (xs.length < 3) xs = samples.filter(([d, , , gc]) => gc === 1 && d > 0); // a short run: all of it
  if (xs.length < 3) return NaN;
  const mx = xs.reduce((a, [d]) => a + d, 0) / xs.length;
  const my = xs.reduce((a, [, m]) => a + m, 0) / xs.length;
  let num = 0;
  let den = 0;
  for (const [d, m] of xs) {
    num += (d - mx) * (m - my);
    den += (d - mx) ** 2;
  }
  return (num / den) * 10_000;
}

/** Peaks of the runs without forced collections: when V8 first collects its old generation varies by tens of MB from run to run. */
const PEAK_RUNS = 3;

export default async function (): Promise<BenchRow[]> {
  const script = await bundle();
  const relay = runChild(script, 'relay', true);
  const peer = runChild(script, 'backtest', true);
  const peak = (s: Sample[]) => Math.max(...s.map(([, m]) => m));
  const relayPeaks: number[] = [];
  const peerPeaks: number[] = [];
  // Alternating, so a burst of load on the shared machine falls on both.
  for (let i = 0; i < PEAK_RUNS; i++) {
    relayPeaks.push(peak(runChild(script, 'relay', false)));
    peerPeaks.push(peak(runChild(script, 'backtest', false)));
  }
  const relayPeak = quantile(relayPeaks, 0.5);
  const peerPeak = quantile(peerPeaks, 0.5);
  console.log(`peak RSS of ${PEAK_RUNS} runs (MB): relay ${relayPeaks.map((x) => x.toFixed(0)).join(', ')}; runBacktest ${peerPeaks.map((x) => x.toFixed(0)).join(', ')}`);
  const relaySlope = slope(relay);
  const heap = (s: Sample[]) => s.filter((x) => x[3] === 1).map((x) => x[2].toFixed(1));
  console.log(`relay heap after GC (MB), start..end: ${heap(relay).slice(0, 3).join(', ')} ... ${heap(relay).slice(-3).join(', ')}`);
  const what = `${SYMBOLS.length} symbols x ${BARS.toLocaleString('en-US')} M5 bars (a month)`;
  return [
    {
      name: `headless relay (SQLite, host, server, poll; bundled JavaScript, node ${NODE_FLAGS.join(' ')}) replaying ${what}: peak RSS, median of ${PEAK_RUNS} runs`,
      value: relayPeak,
      unit: 'MB',
      higherIsBetter: false,
      peer: `runBacktest of the same bars and agent in memory (no store, no server), median of ${PEAK_RUNS} runs`,
      peerValue: peerPeak,
      target: '<= 150 MB',
      targetMet: relayPeak <= 150,
    },
    {
      name: `headless relay replaying ${what}: growth of RSS after GC over the second half of the run`,
      value: Math.max(relaySlope, 1e-3),
      unit: 'MB per 10k bars',
      higherIsBetter: false,
      peer: 'runBacktest of the same bars, same sampling (keeps every event in memory)',
      peerValue: Math.max(slope(peer), 1e-3),
      target: '<= 1 MB per 10k bars (no growth)',
      targetMet: relaySlope <= 1,
    },
  ];
}

/** Where the memory goes, from the runs and profiles (printed under the rows and kept with them in BENCHMARKS.md). */
export const analysis = [
  'Measured from this file bundled as JavaScript, as the relay runs (node bin/tradeguard.mjs serve starts build/relay); through tsx the same relay peaked at 166-229 MB, tsx\'s loader thread and the compiled TypeScript adding ~40 MB to every sample. What the relay holds (bundled, after a full GC): bare Node 39 MB; its code and packages 39 MB more before it opens anything (heap 14 MB; of the packages, imported one by one: better-sqlite3 ~6, @hono/node-server ~6, hono ~4, prom-client ~3, grammy ~8, which the relay loaded at start through relay/telegram/webhook.ts and bot.ts even with no bot configured: now loaded only when a bot token is set, and this file is bundled split as scripts/build-relay.mjs splits the relay, so a module loaded on use keeps its packages out here too: peaks 146-153 MB, median 147, at load ~2); the workspace opened (store, host, the 5 x 8,640 bars seeded, SQLite\'s 2 MB page cache) ~20 MB: 99 MB at the first sample. Retained memory stays flat (heap after GC 16-18 MB from start to end). The peak above that is garbage: the heap used climbs to 50-55 MB before V8 first collects the old generation, and RSS with it, to 152-164 MB in the runs of this session before grammY was left out. RSS after a full GC still rises ~0.8-1 MB per 10,000 bars over the month while the heap after GC stays within 1 MB: the likely holders are SQLite\'s page cache (2 MB, bounded) and the WAL index\'s shared memory between checkpoints (bounded by the WAL\'s size), but that is not traced: a run longer than this month would tell whether it levels off. The row stays under its 1 MB limit. With node --optimize-for-size the same runs peak at 119-125 MB (heap never above 27 MB), but the 200-symbol relay-scaling replay took 30.4 s against 27.2 s and its step p99 was 35.7 ms against 19.3 ms in back-to-back runs, one each (load ~2.5): a flag for the Dockerfile and systemd unit\'s NODE_OPTIONS to weigh, not taken here. --max-old-space-size=128 gave 136 MB but would end a larger workspace with an out-of-memory crash.',
].join('\n');
