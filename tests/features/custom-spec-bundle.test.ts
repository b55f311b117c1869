import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, attr, floatTensor } from '../../workers/models/onnx/builder.ts';
import { encodeModel } from '../../workers/models/onnx/codec.ts';
import { DataType } from '../../workers/models/onnx/onnx-schema.ts';
import { validateBundle } from '../../workers/models/bundle/validate.ts';
import { manifestProblems } from '../../workers/models/bundle/manifest.ts';
import { buildFeatureMatrix } from '../../workers/features/spec/index.ts';
import { compileFeatureSpec } from '../../workers/lab/feature-spec.ts';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { datasetFromBacktest } from '../../workers/dataset/from-backtest.ts';
import { loadChain } from '../../relay/cli/load-models.ts';
import type { EngineEventOf } from '../../workers/trading/events.ts';
import { DEFAULT_AGENT, agentConfigProblems, type AgentConfig } from '../../workers/engine/agent-config.ts';
import { DEFAULT_CHAIN } from '../../workers/models/chain/chain-policy.ts';
import { NO_COSTS } from '../../workers/market/costs.ts';
import { loadEurusd } from './eurusd.ts';

/**
 * A model bundle that declares its features in the strategy language: validated (the failing
 * feature named, with line and column), and run end to end in a backtest, the engine feeding
 * the model exactly what the batch builder (the training set) computes.
 */

const FEATURES = { id: 'gap-v1', features: [{ name: 'gap', expr: '(close - sma(close, 20)) / atr(14)' }, { name: 'ret_1', expr: 'close - close[1]' }] };

/** An alpha scoring tanh(3 x gap): long above the 20-bar average, short below. */
function gapAlpha(): Uint8Array {
  const g = new GraphBuilder({ name: 'gap-alpha' });
  g.input('features', DataType.FLOAT, ['N', 2]);
  g.node('Gemm', ['features', g.initializer(floatTensor('w', [1, 2], [3, 0])), g.initializer(floatTensor('b', [1], [0]))], ['z'], { transB: attr.int(1) });
  g.node('Tanh', ['z'], ['score']);
  g.output('score', DataType.FLOAT, ['N', 1]);
  return encodeModel(g.build());
}

/** A guard allowing everything: sigmoid(0 x features + 5). */
function allowAllGuard(): Uint8Array {
  const g = new GraphBuilder({ name: 'allow-guard' });
  g.input('features', DataType.FLOAT, ['N', 2]);
  g.node('Gemm', ['features', g.initializer(floatTensor('w', [1, 2], [0, 0])), g.initializer(floatTensor('b', [1], [5]))], ['z'], { transB: attr.int(1) });
  g.node('Sigmoid', ['z'], ['allow']);
  g.output('allow', DataType.FLOAT, ['N', 1]);
  return encodeModel(g.build());
}

function bundle(parent: string, name: string, onnx: Uint8Array, m: Record<string, unknown>): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'model.onnx'), onnx);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

function manifest(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: 'tradeguard-model/1',
    role: 'alpha',
    name: 'gap-alpha',
    version: '1.0.0',
    features: FEATURES,
    input: { name: 'features', shape: ['N', 2] },
    scaler: null,
    outputs: { kind: 'score', output: 'score' },
    timeframe: 'H1',
    symbols: ['EURUSD'],
    training: { from: '2017-04-19', to: '2017-12-31' },
    metrics: {},
    ...over,
  };
}

describe('a model bundle declaring its features in the strategy language', () => {
  it('validates, featureSpec reading as the features id', async () => {
    const r = await validateBundle(gapAlpha(), JSON.stringify(manifest()));
    expect(r.problems).toEqual([]);
    expect(r.manifest!.featureSpec).toBe('gap-v1');
    expect(manifestProblems(manifest({ featureSpec: 'gap-v1' }))).toEqual([]);
  });

  it('names the feature whose expression fails, with line and column inside it, and the other refusals', async () => {
    const bad = manifest({ features: { id: 'gap-v1', features: [{ name: 'gap', expr: '(close - sma(close, 20) / atr(14)' }, { name: 'ret_1', expr: 'close > open' }] } });
    const r = await validateBundle(gapAlpha(), JSON.stringify(bad));
    expect(r.problems).toContain('manifest.json: features: feature "gap": line 1, column 1: error: this parenthesis is never closed (add ")" where the expression ends).');
    expect(r.problems.some((p) => p.startsWith('manifest.json: features: feature "ret_1": line 1, column 1: error: a feature is a number'))).toBe(true);
    expect(manifestProblems(manifest({ featureSpec: 'risk-obs-v1' }))).toContain('featureSpec "risk-obs-v1" and features.id "gap-v1" differ; leave featureSpec out when the manifest declares its features');
    expect(manifestProblems(manifest({ features: { ...FEATURES, scaler: { mean: [0, 0], std: [1, 1] } } }))).toContain('features.scaler: a bundle keeps its scaler in the manifest\'s own "scaler" field; move it there');
    expect(manifestProblems(manifest({ input: { name: 'features', shape: ['N', 3] } }))).toContain('input.shape says 3 features but gap-v1 has 2');
    expect(manifestProblems(manifest({ features: 'gap' }))[0]).toMatch(/^features must be \{ "id": /);
  });

  it('is taught in models/README.md with a fragment that validates and the refusal as validation words it', async () => {
    const readme = readFileSync(new URL('../../models/README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Your own features'), readme.indexOf('### `training`'));
    const fragment = JSON.parse(`{${/```json\n([\s\S]*?)```/.exec(section)![1].trim().replace(/,$/, '')}}`);
    expect(manifestProblems(manifest(fragment))).toEqual([]);
    const bad = manifest({ features: { id: 'gap-v1', features: [{ name: 'gap', expr: '(close - sma(close, 20) / atr(14)' }, { name: 'ret_1', expr: 'close - close[1]' }] } });
    const r = await validateBundle(gapAlpha(), JSON.stringify(bad));
    expect(r.problems.length).toBeGreaterThan(0);
    expect(section.replace(/\s+/g, ' ')).toContain(r.problems[0]);
  });

  it('trades in a backtest on what the batch builder computes: each entry\'s features equal the training row of its bar', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tg-custom-bundle-')), 'gap-alpha');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.onnx'), gapAlpha());
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest()));
    const series = loadEurusd();
    const chain = await loadChain({ alpha: dir });
    const agent: AgentConfig = { ...DEFAULT_AGENT, id: 'gap', name: 'gap', symbols: ['EURUSD'], timeframe: 'H1', alpha: chain.attach.alpha!, chain: { ...DEFAULT_CHAIN, minConfidence: 0.1 } };
    expect(agentConfigProblems(agent)).toEqual([]);
    const result = await runBacktest({ series: [series], agent, initialCash: 10_000, leverage: 30, costs: NO_COSTS, models: chain.models }).finally(chain.release);
    const entries = result.events.filter((e): e is EngineEventOf<'decision'> => e.type === 'decision' && (e.payload.action === 'enter' || e.payload.action === 'reverse'));
    expect(result.metrics.trades).toBeGreaterThan(5);
    expect(entries.length).toBeGreaterThan(5);
    const spec = compileFeatureSpec(FEATURES).spec!;
    const m = buildFeatureMatrix(spec, series);
    for (const e of entries) {
      const i = series.time.indexOf(e.payload.barTime);
      const f = e.payload.features!;
      expect(f.spec).toBe('gap-v1');
      expect(f.raw).toEqual([m.values[i * 2], m.values[i * 2 + 1]]);
      // The alpha's sign is the gap's: long above the average, short below.
      expect(e.payload.direction).toBe(Math.sign(m.values[i * 2]));
    }
    // The retraining export reads the same vectors; the declared spec's columns are numbered in the manifest's order, and it says so.
    const ds = datasetFromBacktest({ series: [series], agent, initialCash: 10_000, leverage: 30, costs: NO_COSTS, models: chain.models }, result);
    expect(ds.header).toContain('raw_f0');
    expect(ds.header).toContain('x_f1');
    expect(ds.rows).toHaveLength(entries.length);
    expect(ds.rows[0][ds.header.indexOf('raw_f0')]).toBe(entries[0].payload.features!.raw[0]);
    expect(ds.notes.join(' ')).toMatch(/feature spec gap-v1 is declared by the model bundle: its 2 columns are numbered f0\.\.f1/);
  });

  it('refuses an agent whose models declare one feature spec id two ways', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'tg-custom-bundles-'));
    const alpha = bundle(parent, 'alpha', gapAlpha(), manifest());
    const otherFeatures = { id: 'gap-v1', features: [{ name: 'gap', expr: '(close - sma(close, 30)) / atr(14)' }, FEATURES.features[1]] };
    const guard = bundle(parent, 'guard', allowAllGuard(), manifest({ role: 'guard', name: 'allow-guard', features: otherFeatures, outputs: { kind: 'allow-probability', output: 'allow' } }));
    const chain = await loadChain({ alpha, guard });
    const agent: AgentConfig = { ...DEFAULT_AGENT, id: 'two-ways', name: 'two-ways', symbols: ['EURUSD'], timeframe: 'H1', alpha: chain.attach.alpha!, guardModel: chain.attach.guardModel };
    await expect(runBacktest({ series: [loadEurusd()], agent, initialCash: 10_000, leverage: 30, costs: NO_COSTS, models: chain.models }).finally(chain.release)).rejects.toThrow(
      'agent two-ways: its models declare feature spec gap-v1 differently; one agent builds one observation (a changed feature list needs a new id)',
    );
  });
});
