import type { BarSeries } from '../workers/market/bar.ts';
import type { AgentConfig } from '../workers/engine/agent-config.ts';
import type { ModelManifest } from '../workers/models/bundle/manifest.ts';
import type { StoredModel } from '../workers/models/bundle/registry.ts';
import { DEMO_ACCOUNT } from '../workers/engine/demo.ts';
import { seededRandom } from './lib.ts';
import { chainModelBytes } from './chain-models.ts';

/**
 * The relay-scaling bench's workload, the same for the relay and its peer:
 * `n` symbols of seeded M5 bars (a week), 50 agents spread over them, each on
 * several symbols, one in ten a model chain (alpha, risk, guard).
 */
export const WEEK_M5 = 7 * 288;
export const AGENTS = 50;
export const ACCOUNT = { ...DEMO_ACCOUNT, initialCash: 1_000_000 };

export function symbolsOf(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `SYM${String(i + 1).padStart(3, '0')}`);
}

/** A random walk quoted to 5 decimals (FX-like: guessInstrument reads 5 digits). */
export function weekOfM5(symbol: string, seed: number, bars = WEEK_M5): BarSeries {
  const rnd = seededRandom(seed);
  const s = { symbol, timeframe: 'M5' as const, time: new Float64Array(bars), open: new Float64Array(bars), high: new Float64Array(bars), low: new Float64Array(bars), close: new Float64Array(bars), volume: new Float64Array(bars) };
  const r5 = (x: number) => Math.round(x * 1e5) / 1e5;
  let p = r5(0.5 + rnd() * 1.5);
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < bars; i++) {
    const c = r5(p * (1 + (rnd() - 0.5) * 0.0016));
    s.time[i] = t0 + i * 300_000;
    s.open[i] = p;
    s.close[i] = c;
    s.high[i] = r5(Math.max(p, c) * (1 + rnd() * 0.0003));
    s.low[i] = r5(Math.min(p, c) * (1 - rnd() * 0.0003));
    s.volume[i] = 100 + Math.floor(rnd() * 500);
    p = c;
  }
  return s;
}

export const seriesOf = (n: number) => symbolsOf(n).map((sym, i) => weekOfM5(sym, 1000 + i));

const MODEL_IDS = { alpha: 'alpha:bench@1', risk: 'risk:bench@1', guard: 'guard:bench@1' } as const;

/** Symbols per agent: enough that every symbol is traded (2 agents a symbol at 200), at least 3. */
export const symbolsPerAgent = (n: number) => Math.max(3, Math.ceil((2 * n) / AGENTS));

/** Agent j trades a run of symbolsPerAgent(n) symbols from j * n / 50 on (wrapping); every tenth is a model chain. */
export function agentsOf(n: number, withModels: boolean): AgentConfig[] {
  const syms = symbolsOf(n);
  const k = symbolsPerAgent(n);
  return Array.from({ length: AGENTS }, (_, j) => {
    const from = Math.floor((j * n) / AGENTS);
    const symbols = Array.from({ length: k }, (_, i) => syms[(from + i) % n]);
    const model = withModels && j % 10 === 9;
    return {
      id: `a${j}`,
      name: `scaling ${j}`,
      symbols,
      timeframe: 'M5',
      alpha: model ? { kind: 'model', modelId: MODEL_IDS.alpha } : { kind: 'rule', strategy: 'sma-cross', params: { fast: 5 + (j % 5) * 2, slow: 20 + (j % 7) * 5, longOnly: false } },
      sizing: { kind: 'risk', riskPct: 0.2 },
      maxPositionPct: 1000,
      stopAtr: 2,
      targetAtr: 4,
      trailAtr: j % 3 === 0 ? 3 : null,
      atrPeriod: 14,
      capital: ACCOUNT.initialCash / AGENTS,
      ...(model ? { riskModel: MODEL_IDS.risk, guardModel: MODEL_IDS.guard, chain: { minConfidence: 0.34, guardThreshold: 0.5, bounds: { slMult: [0.5, 5], tpMult: [0.5, 10], size: [0, 1] } } } : {}),
    } satisfies AgentConfig;
  });
}

const manifest = (role: ModelManifest['role'], outputs: ModelManifest['outputs']): ModelManifest => ({
  format: 'tradeguard-model/1', role, name: `bench-${role}`, version: '1', featureSpec: 'risk-obs-v1', input: { name: 'features', shape: ['N', 60] },
  scaler: null, outputs, timeframe: 'M5', symbols: [], training: { from: '2023-01-01', to: '2023-12-31' }, metrics: {},
});

/** The chain's three bundles (bench/chain-models.ts, demo size) as the store keeps them. */
export function storedModels(): StoredModel[] {
  const bytes = chainModelBytes();
  return [
    { id: MODEL_IDS.alpha, manifest: manifest('alpha', { kind: 'classes', output: 'out', labels: ['short', 'flat', 'long'] }), bytes: bytes.alpha, importedAt: 0 },
    { id: MODEL_IDS.risk, manifest: manifest('risk', { kind: 'tensor', output: 'out' }), bytes: bytes.risk, importedAt: 0 },
    { id: MODEL_IDS.guard, manifest: manifest('guard', { kind: 'allow-probability', output: 'out' }), bytes: bytes.guard, importedAt: 0 },
  ];
}
