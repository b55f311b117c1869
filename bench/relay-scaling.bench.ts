/**
 * How the headless relay's cost grows with the symbols it carries: 20, 100 and
 * 200 symbols of M5 bars over a week (2,016 steps), 50 agents spread over them
 * (sma-cross, one in ten a model chain), replayed at full speed through the
 * relay as it runs (SQLite store, workspace host, HTTP server, account poll).
 * Per size: peak RSS, RSS growth over the second half, and per step the wall
 * time from the step's first bar handed to the host to the last decision of
 * that step stored and pushed to the relay's subscribers. The peer is the bare
 * engine on the same bars and agents in memory (no store, host or server),
 * timed the same way. Each run is its own Node process, so RSS is its own.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { quantile, type BenchRow } from './lib.ts';
import { ACCOUNT, AGENTS, WEEK_M5, agentsOf, seriesOf, storedModels, symbolsPerAgent } from './scaling-workload.ts';
import type { BarSeries } from '../workers/market/bar.ts';

const SIZES = [20, 100, 200];
const CHILD_FLAG = '--relay-scaling-child';
/** As the Dockerfile and the systemd unit run the relay (NODE_OPTIONS). */
const NODE_FLAGS = ['--max-semi-space-size=4'];
/** Steps left out of the latency figures: JIT and indicator warm-up. */
const WARM_STEPS = Math.round(WEEK_M5 / 10);
/** Where the second half is sampled after a full GC (shares of the bars); the end is sampled too. */
const AFTER_GC_AT = [0.5, 0.625, 0.75, 0.875];

type AfterGc = { rssMb: number; heapMb: number; bars: number };

interface ChildResult {
  peakRssMb: number;
  /** RSS and heap after a full GC, between two steps, at each of AFTER_GC_AT of the bars and at the end. */
  afterGc: AfterGc[];
  /** Per step (after WARM_STEPS): ms from the first bar handed over to the step's last decision seen. */
  latenciesMs: number[];
  decisionsPerStep: number;
  seconds: number;
  /** The relay: wall time in the store's event appends, all steps. */
  appendMs?: number;
}

/**
 * Wall time per step, keyed by the bars' open time (one timeframe: a step is
 * one bar time): the first bar handed over starts it, each decision for that
 * bar time seen by the last listener moves its end.
 */
function stepTimer() {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let decisions = 0;
  return {
    bar(barTime: number) {
      if (!first.has(barTime)) first.set(barTime, performance.now());
    },
    decision(barTime: number) {
      last.set(barTime, performance.now());
      decisions++;
    },
    result(): { latenciesMs: number[]; decisionsPerStep: number } {
      const steps = [...first.keys()].sort((a, b) => a - b);
      const missing = steps.filter((t) => !last.has(t));
      if (missing.length) throw new Error(`${missing.length} steps recorded no decision (first at ${new Date(missing[0]).toISOString()})`);
      return { latenciesMs: steps.slice(WARM_STEPS).map((t) => last.get(t)! - first.get(t)!), decisionsPerStep: decisions / steps.length };
    },
  };
}

function memory() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the child runs with --expose-gc');
  let peak = 0;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const afterGc = (bars: number) => {
    gc();
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    return { rssMb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20, bars };
  };
  return { afterGc, peakMb: () => (clearInterval(t), Math.max(peak, process.memoryUsage.rss()) / 2 ** 20) };
}

async function childRelay(n: number): Promise<ChildResult> {
  const { openHeadlessRelay } = await import('./headless-relay.ts');
  const { loadModelNode, loadStoredModel } = await import('../relay/host/node-host.ts');
  const { DEFAULT_RISK_CONFIG } = await import('../workers/risk/limits.ts');
  // Where a step's time goes: the store's one append per step, timed apart.
  let appendMs = 0;
  const mem = memory();
  let t0 = 0;
  let bars: BarSeries[] = seriesOf(n);
  const relay = await openHeadlessRelay({
    prefix: 'tg-bench-scaling-',
    loadModel: loadModelNode,
    serverLoadModel: (store) => loadStoredModel(store.models),
    seed: async () => ({
      bars,
      models: storedModels(),
      init: { kind: 'workspace.init', account: ACCOUNT, feed: { kind: 'replay', series: bars.map((s) => ({ symbol: s.symbol, timeframe: s.timeframe })) }, risk: DEFAULT_RISK_CONFIG },
      commands: agentsOf(n, true).map((config) => ({ kind: 'agent.create' as const, config })),
    }),
    beforeHost: (store) => {
      const append = store.events.append.bind(store.events);
      store.events.append = async (batch) => {
        const t = performance.now();
        try {
          return await append(batch);
        } finally {
          appendMs += performance.now() - t;
        }
      };
      t0 = performance.now();
    },
  });
  bars = []; // the store holds them now; the seed's copy must not count
  const { host } = relay;
  const timer = stepTimer();
  const total = n * WEEK_M5;
  let delivered = 0;
  host.watchBars((_s, _tf, bar) => {
    timer.bar(bar.time);
    delivered++;
  });
  const afterGc: AfterGc[] = [];
  let gcDue = false;
  host.subscribe((u) => {
    for (const e of u.events) if (e.type === 'decision') timer.decision(e.payload.barTime);
    // Between two steps (the feed sleeps before the next one), so no step is timed across it.
    if (!gcDue && afterGc.length < AFTER_GC_AT.length && delivered >= AFTER_GC_AT[afterGc.length] * total) {
      gcDue = true;
      setImmediate(() => {
        afterGc.push(mem.afterGc(delivered));
        gcDue = false;
      });
    }
  });
  await host.start();
  // Asked only once every bar is out: each status() builds the risk snapshot, a cost the bench must not add.
  while (delivered < total) await new Promise((r) => setTimeout(r, 50));
  await relay.replayEnd();
  const seconds = (performance.now() - t0) / 1000;
  afterGc.push(mem.afterGc(total));
  await relay.close();
  return { peakRssMb: mem.peakMb(), afterGc, seconds, appendMs, ...timer.result() };
}

/** The peer: the same bars and agents through the engine alone, events to a listener that only times them. */
async function childEngine(n: number): Promise<ChildResult> {
  const { createPaperSession } = await import('../workers/engine/paper-session.ts');
  const { ReplayFeed } = await import('../workers/market/feed.ts');
  const { SimulatedClock } = await import('../workers/trading/clock.ts');
  const { guessInstrument } = await import('../workers/market/instrument.ts');
  const { loadModelNode } = await import('../relay/host/node-host.ts');
  const { DEFAULT_RISK_CONFIG } = await import('../workers/risk/limits.ts');
  const mem = memory();
  const t0 = performance.now();
  const series = seriesOf(n);
  const instruments = new Map(series.map((s) => [s.symbol, guessInstrument(s.symbol, s.close)]));
  const models = new Map(await Promise.all(storedModels().map(async (m) => [m.id, await loadModelNode(m)] as const)));
  const clock = new SimulatedClock(series[0].time[0]);
  const { engine, journal } = createPaperSession({
    clock,
    ...ACCOUNT,
    risk: DEFAULT_RISK_CONFIG,
    instrument: (s) => instruments.get(s)!,
    retainEvents: false,
    models: (id) => models.get(id)!,
  });
  for (const a of agentsOf(n, true)) engine.addAgent(a);
  const timer = stepTimer();
  journal.subscribe((e) => {
    if (e.type === 'decision') timer.decision(e.payload.barTime);
  });
  const total = n * WEEK_M5;
  let done = 0;
  const afterGc: AfterGc[] = [];
  const feed = new ReplayFeed(series, { speed: Infinity, clock });
  await feed.run(
    (symbol, tf, bar) => {
      timer.bar(bar.time);
      engine.onBar(symbol, tf, bar);
      done++;
    },
    async () => {
      await engine.endStep();
      if (afterGc.length < AFTER_GC_AT.length && done >= AFTER_GC_AT[afterGc.length] * total) afterGc.push(mem.afterGc(done));
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  afterGc.push(mem.afterGc(total));
  return { peakRssMb: mem.peakMb(), afterGc, seconds, ...timer.result() };
}

if (process.argv[2] === CHILD_FLAG) {
  const n = Number(process.argv[4]);
  const r = process.argv[3] === 'relay' ? await childRelay(n) : await childEngine(n);
  process.stdout.write(`\nRESULT ${JSON.stringify(r)}\n`);
  process.exit(0);
}

function runChild(mode: 'relay' | 'engine', n: number): ChildResult {
  const r = spawnSync(process.execPath, [...NODE_FLAGS, '--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), CHILD_FLAG, mode, String(n)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) throw new Error(`relay-scaling ${mode} ${n} child failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line.slice(7)) as ChildResult;
}

/** Least-squares slope of RSS (or heap) after GC over bars done in the second half, MB per 10,000 bars. */
function growth(r: ChildResult, what: 'rssMb' | 'heapMb' = 'rssMb'): number {
  const xs = r.afterGc;
  if (xs.length !== AFTER_GC_AT.length + 1) throw new Error(`${xs.length} samples after GC, ${AFTER_GC_AT.length + 1} expected`);
  const mx = xs.reduce((a, x) => a + x.bars, 0) / xs.length;
  const my = xs.reduce((a, x) => a + x[what], 0) / xs.length;
  let num = 0;
  let den = 0;
  for (const x of xs) {
    num += (x.bars - mx) * (x[what] - my);
    den += (x.bars - mx) ** 2;
  }
  return (num / den) * 10_000;
}

export default async function (): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const only = process.env.TG_SCALING_SIZES?.split(',').map(Number) ?? SIZES;
  for (const n of only) {
    const relay = runChild('relay', n);
    const peer = runChild('engine', n);
    const pct = (r: ChildResult, q: number) => quantile(r.latenciesMs, q);
    for (const [name, r] of [['relay', relay], ['engine', peer]] as const) {
      console.log(
        `${n} symbols, ${name}: ${r.seconds.toFixed(1)} s, ${r.decisionsPerStep.toFixed(0)} decisions a step, peak RSS ${r.peakRssMb.toFixed(0)} MB, after GC over the second half ${r.afterGc.map((x) => x.rssMb.toFixed(0)).join(' ')} MB (heap ${r.afterGc.map((x) => x.heapMb.toFixed(0)).join(' ')}; ${growth(r, 'heapMb').toFixed(3)} MB per 10k bars), ${r.appendMs === undefined ? '' : `store appends ${(r.appendMs / WEEK_M5).toFixed(1)} ms a step, `}step p50 ${pct(r, 0.5).toFixed(2)} ms p99 ${pct(r, 0.99).toFixed(2)} ms max ${Math.max(...r.latenciesMs).toFixed(1)} ms`,
      );
    }
    const big = n === Math.max(...SIZES);
    const what = `${n} symbols x ${WEEK_M5.toLocaleString('en-US')} M5 bars, ${AGENTS} agents x ${symbolsPerAgent(n)} symbols (5 model chains)`;
    const peerName = 'the bare engine, same bars and agents, in memory (no store, host or server)';
    const p99 = pct(relay, 0.99);
    rows.push(
      {
        name: `headless relay, ${what}: peak RSS`,
        value: relay.peakRssMb,
        unit: 'MB',
        higherIsBetter: false,
        peer: peerName,
        peerValue: peer.peakRssMb,
        ...(big ? { target: '<= 500 MB', targetMet: relay.peakRssMb <= 500 } : {}),
      },
      {
        name: `headless relay, ${what}: growth of RSS after GC over the second half`,
        value: Math.max(growth(relay), 1e-3),
        unit: 'MB per 10k bars',
        higherIsBetter: false,
        peer: peerName,
        peerValue: Math.max(growth(peer), 1e-3),
        ...(big ? { target: '<= 1 MB per 10k bars (flat after warm-up)', targetMet: growth(relay) <= 1 } : {}),
      },
      {
        name: `headless relay, ${what}: step p50, first bar handed over to the step's last decision stored and pushed`,
        value: pct(relay, 0.5),
        unit: 'ms',
        higherIsBetter: false,
        peer: `${peerName}: first bar to last decision`,
        peerValue: pct(peer, 0.5),
      },
      {
        name: `headless relay, ${what}: step p99, first bar handed over to the step's last decision stored and pushed`,
        value: p99,
        unit: 'ms',
        higherIsBetter: false,
        peer: `${peerName}: first bar to last decision`,
        peerValue: pct(peer, 0.99),
        ...(big ? { target: '<= 50 ms', targetMet: p99 <= 50 } : {}),
      },
    );
  }
  return rows;
}

/** Where the time goes, from the profiles (printed under the rows and kept with them in BENCHMARKS.md). */
export const analysis = [
  "The machine was shared with other sessions' tests and benches (2 cores; the load average is under the table). Decisions are the relay's product, one per agent and symbol per bar (150/200/400 a step here); the bare engine makes a step's 400 in ~1.2 ms (p50). What the relay adds is mostly the store: each step's events go to SQLite in one transaction. Until schema 5 (relay/store/sqlite-schema.ts) every decision was written twice (the events row and the decisions view, each as exact JSON) and its id text (`dec:<agent>:<symbol>:<bar time>`) put each of a step's 400 new keys on its own leaf page of the events id index: ~770 WAL pages a commit at 200 symbols, the append 13.8-20 ms a step, step p50 14-18 ms and p99 69-122 ms (load 4-5). Now a decision is stored once (its event; the view keeps the columns it is found by and reads the record from the events row) and one whose id is eventId.decision's is found by (bar_time, agent_id, symbol), its events row holding its seq as a BLOB: both keys grow one end of their index, ~170 pages a commit, and the store's file for this week is 451 MB instead of 754. The append now (node --cpu-prof, 200 symbols): ~6.5 ms a step, of which the inserts ~4 ms, one exact-JSON text per event ~1.7 ms, the commit ~1.1 ms; the folding of the batch no longer copies each decision (~1.3 ms). The WAL checkpoint (~30 ms each, at most every 250 ms) runs after the step's decisions are pushed: timed in one run at load ~6, none of 133 began inside a step. What is left of a step at 200 symbols is ~10 ms of one thread's CPU (p50 9-11 ms in runs at load 2-3, p99 19-23 ms); on this shared 2-core machine at load 5-6 the same build gave p99 41-77 ms, and the bare engine's own p99 grew from ~1.8 to ~9.7 ms alike: the tail is the machine's, the remedy less CPU a step. Before this bench, a step also built the O(symbols^2) correlation matrix of the risk snapshot for the status it pushes (now built when a client reads it) and paid for SQLite's checkpoint inside the commit one step in two or three (now run after the step). RSS: the relay's 290-350 MB against the engine's 170-215 MB is the store, the server and V8's heap slack (heap after GC: 28-29 MB, flat); both hold onnxruntime-web for the five model chains.",
].join('\n');
