import { createOrtSession } from '../workers/models/inference/session.ort.ts';
import type { LoadedModel } from '../workers/models/chain/model-stage.ts';
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
  const steps = 3000;
  const series: BarSeries[] = symbols.map((s, k) => ({ ...syntheticBars(steps, 100 + k), symbol: s }));

  // Per-step latency: 5 bars close, the engine decides all of them (features + alpha, risk, guard batched).
  const clock = new SimulatedClock(series[0].time[0]);
  // Live-like: events go to listeners (a store, the stream), not kept in memory.
  const { engine } = createPaperSession({ clock, initialCash: 100_000, leverage: 100, costs: { spreadPips: 0, slippagePips: 0, commission: { kind: 'none' } }, instrument: () => KNOWN_INSTRUMENTS.EURUSD, models: byId, retainEvents: false });
  engine.addAgent(agentConfig(symbols, true));
  const lat: number[] = [];
  for (let i = 0; i < steps; i++) {
    clock.advanceTo(series[0].time[i] + 3_600_000);
    const t0 = performance.now();
    for (const s of series) engine.onBar(s.symbol, 'H1', barAt(s, i));
    await engine.endStep();
    if (i > 500) lat.push((performance.now() - t0) * 1000);
  }
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

  // Full-chain backtest against the same backtest with a rule alpha and no models.
  const n = 20_000;
  const one = { ...syntheticBars(n, 5), symbol: 'EURUSD' } as BarSeries;
  const bt = async (withModels: boolean) => {
    const t0 = performance.now();
    await runBacktest({ series: [one], agent: agentConfig(['EURUSD'], withModels), initialCash: 100_000, leverage: 100, costs: { spreadPips: 0, slippagePips: 0, commission: { kind: 'none' } }, instrument: () => KNOWN_INSTRUMENTS.EURUSD, models: byId });
    return n / ((performance.now() - t0) / 1000);
  };
  await bt(true);
  const chainRate = await bt(true);
  await bt(false);
  const ruleRate = await bt(false);
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
    { name: `full-chain backtest, ${n.toLocaleString('en-US')} bars, step-batched inference`, value: chainRate, unit: 'bars/s', higherIsBetter: true, peer: 'same backtest, sma-cross alpha and no models', peerValue: ruleRate, target: '>= 200,000 bars/s', targetMet: chainRate >= 200_000 },
  ];
}
