import { createOrtSession } from '../workers/models/inference/session.ort.ts';
import type { LoadedModel } from '../workers/models/chain/model-stage.ts';
import type { FeedTensor } from '../workers/models/inference/session.ts';
import type { ModelManifest } from '../workers/models/bundle/manifest.ts';
import { createPaperSession } from '../workers/engine/paper-session.ts';
import { SimulatedClock } from '../workers/trading/clock.ts';
import { runBacktest } from '../workers/backtest/run-backtest.ts';
import { KNOWN_INSTRUMENTS } from '../workers/market/instrument.ts';
import { barAt, type BarSeries } from '../workers/market/bar.ts';
import type { AgentConfig } from '../workers/engine/agent-config.ts';
import { quantile, syntheticBars, type BenchRow } from './lib.ts';
import { chainModelBytes } from './chain-models.ts';

/**
 * The model chain: per-step decision latency with features and all three
 * models for 5 symbols closing together (Node), and a full-chain backtest.
 * Models are MLPs of demo size (60 -> 32 -> heads), written with the builder.
 */
const manifest = (role: ModelManifest['role'], outputs: ModelManifest['outputs']): ModelManifest => ({
  format: 'tradeguard-model/1', role, name: `bench-${role}`, version: '1', featureSpec: 'risk-obs-v1', input: { name: 'features', shape: ['N', 60] },
  scaler: null, outputs, timeframe: 'H1', symbols: ['SYNTH'], training: { from: '2015-01-01', to: '2015-12-31' }, metrics: {},
});

async function models(): Promise<LoadedModel[]> {
  const bytes = chainModelBytes();
  return [
    { id: 'alpha:bench@1', manifest: manifest('alpha', { kind: 'classes', output: 'out', labels: ['short', 'flat', 'long'] }), session: await createOrtSession(bytes.alpha) },
    { id: 'risk:bench@1', manifest: manifest('risk', { kind: 'tensor', output: 'out' }), session: await createOrtSession(bytes.risk) },
    { id: 'guard:bench@1', manifest: manifest('guard', { kind: 'allow-probability', output: 'out' }), session: await createOrtSession(bytes.guard) },
  ];
}

const agentConfig = (symbols: string[], withModels: boolean): AgentConfig => ({
  id: 'bench', name: 'bench', symbols, timeframe: 'H1',
  alpha: withModels ? { kind: 'model', modelId: 'alpha:bench@1' } : { kind: 'rule', strategy: 'sma-cross', params: { fast: 10, slow: 20 } },
  sizing: { kind: 'risk', riskPct: 1 }, maxPositionPct: 1e6, stopAtr: 2, targetAtr: 3, trailAtr: null, atrPeriod: 14,
  riskModel: withModels ? 'risk:bench@1' : null, guardModel: withModels ? 'guard:bench@1' : null,
  chain: { minConfidence: 0.34, guardThreshold: 0.5, bounds: { slMult: [0.5, 5], tpMult: [0.5, 10], size: [0, 1] } },
});

export default async function (): Promise<BenchRow[]> {
  const loaded = await models();
  const byId = (id: string) => loaded.find((m) => m.id === id)!;
  const symbols = ['S1', 'S2', 'S3', 'S4', 'S5'];
  // The first 1,000 steps warm up: V8 was still optimising the decision path's functions until about step 800
  // (--trace-opt: 14-30 functions per 100 steps there, 0-4 after), and those steps made most of the slowest.
  const warmSteps = 1000;
  const steps = warmSteps + 2500;
  const series: BarSeries[] = symbols.map((s, k) => ({ ...syntheticBars(steps, 100 + k), symbol: s }));

  // Per-step latency: 5 bars close, the engine decides all of them (features + alpha, risk, guard batched).
  const clock = new SimulatedClock(series[0].time[0]);
  // Live-like: events go to listeners (a store, the stream), not kept in memory.
  const { engine } = createPaperSession({ clock, initialCash: 100_000, leverage: 100, costs: { spreadPips: 0, slippagePips: 0, commission: { kind: 'none' } }, instrument: () => KNOWN_INSTRUMENTS.EURUSD, models: byId, retainEvents: false });
  engine.addAgent(agentConfig(symbols, true));
  const lat: number[] = [];
  // Where the tail comes from: the steps a garbage collection ran inside (PerformanceObserver 'gc').
  const steps0: { t0: number; t1: number }[] = [];
  const gcs: { t0: number; t1: number }[] = [];
  const gcWatch = new PerformanceObserver((l) => void gcs.push(...l.getEntries().map((e) => ({ t0: e.startTime, t1: e.startTime + e.duration }))));
  gcWatch.observe({ entryTypes: ['gc'] });
  for (let i = 0; i < steps; i++) {
    clock.advanceTo(series[0].time[i] + 3_600_000);
    const t0 = performance.now();
    for (const s of series) engine.onBar(s.symbol, 'H1', barAt(s, i));
    await engine.endStep();
    const t1 = performance.now();
    if (i >= warmSteps) {
      lat.push((t1 - t0) * 1000);
      steps0.push({ t0, t1 });
    }
  }
  await new Promise((r) => setTimeout(r, 0));
  gcWatch.disconnect();
  const hit = steps0.map((s) => gcs.some((g) => g.t1 >= s.t0 && g.t0 <= s.t1));
  const clean = lat.filter((_, k) => !hit[k]);
  const inside = gcs.filter((g) => g.t0 >= steps0[0].t0);
  const gcMedian = inside.length ? `, median ${quantile(inside.map((g) => (g.t1 - g.t0) * 1000), 0.5).toFixed(0)} µs` : '';
  process.stdout.write(`decision step: ${inside.length} collections over ${lat.length} timed steps (${hit.filter(Boolean).length} steps ran one${gcMedian}); p99 of the other steps ${quantile(clean, 0.99).toFixed(0)} µs\n`);
  // Peer: the three bare session.run calls on a 5-row batch, nothing else.
  const x = new Float32Array(5 * 60).map((_, i) => Math.sin(i));
  const bare: number[] = [];
  for (let i = 0; i < 2500; i++) {
    const t0 = performance.now();
    for (const m of loaded) await m.session.run({ features: { data: x, dims: [5, 60] } });
    if (i > 500) bare.push((performance.now() - t0) * 1000);
  }
  const p50 = quantile(lat, 0.5);
  const p99 = quantile(lat, 0.99);

  // Full-chain backtest against the same backtest with a rule alpha and no models. Each run gets its own
  // copy of the series: the batch rows a backtest builds for a series are kept for the next run on it
  // (what a sweep gains), and a single backtest pays for them.
  const n = 20_000;
  const one = { ...syntheticBars(n, 5), symbol: 'EURUSD' } as BarSeries;
  const copy = (): BarSeries => ({ ...one, time: one.time.slice(), open: one.open.slice(), high: one.high.slice(), low: one.low.slice(), close: one.close.slice(), volume: one.volume.slice() });
  // Every session.run timed and counted, in one run of its own (not a timed one): where the time goes.
  // The probed run also keeps each call's feeds (copied): replayed alone below, they are the ceiling the runtime sets.
  const probe = { on: false, runs: new Map<string, number>(), ms: 0, calls: [] as { session: LoadedModel['session']; feeds: Record<string, FeedTensor> }[] };
  const probed = (m: LoadedModel): LoadedModel => ({
    ...m,
    session: {
      inputNames: m.session.inputNames,
      outputNames: m.session.outputNames,
      backend: m.session.backend,
      release: () => m.session.release(),
      run: async (feeds) => {
        if (!probe.on) return m.session.run(feeds);
        probe.calls.push({ session: m.session, feeds: Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, { data: f.data.slice(), dims: [...f.dims] }])) });
        const t0 = performance.now();
        const out = await m.session.run(feeds);
        probe.ms += performance.now() - t0;
        probe.runs.set(m.manifest.role, (probe.runs.get(m.manifest.role) ?? 0) + 1);
        return out;
      },
    },
  });
  const probedModels = loaded.map(probed);
  const backtest = (withModels: boolean, batchModels: boolean) =>
    runBacktest({ series: [copy()], agent: agentConfig(['EURUSD'], withModels), batchModels, initialCash: 100_000, leverage: 100, costs: { spreadPips: 0, slippagePips: 0, commission: { kind: 'none' } }, instrument: () => KNOWN_INSTRUMENTS.EURUSD, models: (id) => probedModels.find((m) => m.id === id)! });
  const bt = async (withModels: boolean, batchModels = true) => {
    const t0 = performance.now();
    await backtest(withModels, batchModels);
    return performance.now() - t0;
  };
  // The peer row says "same events": checked here, not assumed.
  const [batchedRun, perCallRun] = [await backtest(true, true), await backtest(true, false)];
  if (JSON.stringify(batchedRun.events) !== JSON.stringify(perCallRun.events)) throw new Error('the batched chain backtest recorded other events than one run per call');
  await bt(true);
  probe.on = true;
  const probeMs = await bt(true);
  probe.on = false;
  const alphaRuns = probe.runs.get('alpha') ?? 0;
  const otherRuns = (probe.runs.get('risk') ?? 0) + (probe.runs.get('guard') ?? 0);
  const where = `${((alphaRuns + otherRuns) / n).toFixed(2)} model runs a bar: alpha ${(alphaRuns / n).toFixed(2)}, risk + guard ${(otherRuns / n).toFixed(2)}; onnxruntime-web ${Math.round((100 * probe.ms) / probeMs)}% of the time at ${((1000 * probe.ms) / (alphaRuns + otherRuns)).toFixed(1)} µs a run`;
  // Round after round of the three, each rate its best round: a burst of load on a shared machine slows
  // whichever run it meets, and taking each in its own stretch would hand it to one of them.
  await bt(true, false);
  await bt(false);
  let [chainMs, perCallMs, ruleMs] = [Infinity, Infinity, Infinity];
  for (let round = 0; round < 4; round++) {
    chainMs = Math.min(chainMs, await bt(true));
    perCallMs = Math.min(perCallMs, await bt(true, false));
    ruleMs = Math.min(ruleMs, await bt(false));
  }
  const [chainRate, perCallRate, ruleRate] = [chainMs, perCallMs, ruleMs].map((ms) => n / (ms / 1000));
  // The same session.run calls, in order and with the same feeds, with nothing between them: the best of 4 replays.
  let runsMs = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (const c of probe.calls) await c.session.run(c.feeds);
    if (round > 0) runsMs = Math.min(runsMs, performance.now() - t0);
  }
  const runsRate = n / (runsMs / 1000);
  analysis = `${ceilingText(probe.calls.length, n, runsRate, chainRate)}\n\n${PROFILE}`;
  // onnxruntime-web (wasm, what the engine uses everywhere) against onnxruntime-node (native) on the same model and batch.
  const ortNode = await import('onnxruntime-node');
  const alphaBytes = chainModelBytes().alpha;
  const native = await ortNode.InferenceSession.create(alphaBytes);
  const web = await createOrtSession(alphaBytes);
  const feed = new Float32Array(5 * 60).map((_, i) => Math.cos(i));
  const time = async (f: () => Promise<unknown>) => {
    for (let i = 0; i < 500; i++) await f();
    const xs: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const t0 = performance.now();
      await f();
      xs.push((performance.now() - t0) * 1000);
    }
    return quantile(xs, 0.5);
  };
  const webUs = await time(() => web.run({ features: { data: feed, dims: [5, 60] } }));
  const nativeUs = await time(() => native.run({ features: new ortNode.Tensor('float32', feed, [5, 60]) }));
  await web.release();
  await native.release();
  for (const m of loaded) await m.session.release();
  return [
    { name: 'alpha MLP 60-32-3 on 5 rows, onnxruntime-web (wasm), p50', value: webUs, unit: 'µs', higherIsBetter: false, peer: 'onnxruntime-node (native), same model and rows, p50', peerValue: nativeUs, target: 'within 1.5x native', targetMet: webUs <= 1.5 * nativeUs },
    { name: 'decision step, 5 symbols, features + alpha, risk, guard (Node), p50', value: p50, unit: 'µs', higherIsBetter: false, peer: 'the 3 bare session.run calls on 5 rows, p50', peerValue: quantile(bare, 0.5) },
    { name: 'decision step, 5 symbols, features + alpha, risk, guard (Node), p99', value: p99, unit: 'µs', higherIsBetter: false, peer: 'the 3 bare session.run calls on 5 rows, p99', peerValue: quantile(bare, 0.99), target: '<= 1,000 µs', targetMet: p99 <= 1000 },
    { name: `full-chain backtest, ${n.toLocaleString('en-US')} bars, alpha on forecast blocks, batch feature rows (${where})`, value: chainRate, unit: 'bars/s', higherIsBetter: true, peer: 'same backtest, sma-cross alpha and no models', peerValue: ruleRate, target: '>= 200,000 bars/s', targetMet: chainRate >= 200_000 },
    { name: `the model runs alone, no engine: the ${probe.calls.length.toLocaleString('en-US')} session.run calls of one full-chain backtest of ${n.toLocaleString('en-US')} bars replayed with their feeds, as bars/s (the ceiling onnxruntime-web sets)`, value: runsRate, unit: 'bars/s', higherIsBetter: true, peer: 'the full-chain backtest (row above)', peerValue: chainRate },
    { name: `full-chain backtest, ${n.toLocaleString('en-US')} bars, alpha on forecast blocks, batch feature rows`, value: chainRate, unit: 'bars/s', higherIsBetter: true, peer: 'the same backtest, one model run per call, streaming features (batchModels: false): same events', peerValue: perCallRate },
  ];
}

/** Where the time goes, from the profiles (printed under the rows and kept with them in BENCHMARKS.md). */
const PROFILE = [
  "Full-chain backtest, where the time goes (issue 18 item 5; `node --cpu-prof`, 3 x 20,000 bars, load 5-10 on the 2 cores): onnxruntime-web 30-40% of the time, the agent's model path (observations, decisions carrying the readings, entries) ~10%, garbage collection ~10%, ModelStage and the output readers ~5-9%, the feature rows ~4%. The alpha's row carries the trade context (position, P&L, drawdown, leverage, loss streak), so no run can cover bars past the next change of the book: the alpha runs on a block of forecast rows once per fill, stop or closed trade (0.21 runs a bar here: a trade every ~8 bars) and answers the other bars from it, bit for bit checked; risk and guard run once per proposal (0.35 a bar; their rows carry the proposed direction, and every proposal's readings are recorded). A run costs ~12-15 µs on a quiet core whatever its size (4,096 rows: ~0.25 µs a row), so 0.56 runs a bar take ~7-8 µs of the 5 µs a bar that 200,000 bars/s allows. Reaching it would need fewer runs than one per change of the book (forecasting the chain's own entries and the broker's stops: a second copy of both) or a runtime with a cheaper run than onnxruntime-web's fixed cost. Numbers above measured on a shared, loaded machine: the ratios matter more than the rates.",
  "",
  "Decision step, where the p99 goes (issue 18 item 6; timelines with --trace-gc and PerformanceObserver('gc'), 2-core machine shared at load 3-12): the p50 is 70-85 µs and the three bare session.run calls alone have a p99 of 0.1-2 ms depending on the load, so the step's p99 follows the machine. A scavenge hits about 1 step in 150 (0.6-4 ms each; 1 in 71 under the relay's --max-semi-space-size=4), and steps with no collection still had a p99 of 1.6-6.1 ms at that load. V8 keeps optimising the decision path until about step 800 (the bench now times after 1,000 warm-up steps). A step allocates ~55 KB: onnxruntime-web 13 KB, the streaming feature builder 9.4 KB (numbers boxed across the indicator types), agent.ts 9 KB, the output reader 5 KB: those are what is left to remove. The 1 ms target was not met in any run this session; it can only be judged on a quiet machine.",
].join('\n');

/**
 * The ceiling in this run's numbers: the chain's own session.run calls replayed alone (the row "the model runs
 * alone") against the 200,000 bars/s target. Set by the bench when it has run (run.ts reads it after).
 */
function ceilingText(runs: number, bars: number, runsRate: number, chainRate: number): string {
  const usPerBar = 1e6 / runsRate;
  return `The ceiling, measured in this run: the ${runs.toLocaleString('en-US')} session.run calls one full-chain backtest of ${bars.toLocaleString('en-US')} bars makes, replayed alone with their own feeds and nothing between them, take ${usPerBar.toFixed(1)} µs a bar (${Math.round(runsRate).toLocaleString('en-US')} bars/s); the whole backtest ${(1e6 / chainRate).toFixed(1)} µs. ${runsRate < 200_000 ? `200,000 bars/s (5 µs a bar) is below what onnxruntime-web alone takes for these runs: no change to the engine around the models can reach it; only fewer runs (a run per change of the book and per proposal is what the decisions depend on) or a runtime with a cheaper run can.` : 'The runtime alone would allow 200,000 bars/s: the rest of the gap is the engine around the models.'}`;
}

/** Where the time goes (printed under the rows and kept with them in BENCHMARKS.md); completed with this run's ceiling when the bench has run. */
export let analysis = PROFILE;
