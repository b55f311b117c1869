import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateBundle } from '../../workers/models/bundle/validate.ts';
import { manifestProblems } from '../../workers/models/bundle/manifest.ts';
import { scaleMagnitude, STD_FLOOR_SHARE } from '../../workers/models/bundle/std-floor.ts';
import { SAMPLE_BARS_CSV } from '../../workers/models/bundle/sample-bars.ts';
import { FEATURE_SPECS, RISK_OBS_V1 } from '../../workers/features/spec/index.ts';
import type { ModelManifest } from '../../workers/models/bundle/manifest.ts';
import { WIDTH, bytesOf, dense, manifests, mlp, riskHeads, treeClassifier } from './fixtures.ts';
import { buildMlp } from '../../workers/models/onnx/builder.ts';

/**
 * What a trader's real PyTorch export gets wrong and validation must catch before a backtest:
 * logits where probabilities belong (checked on sample inputs through the chain's readers),
 * a tiny scaler std, snake_case keys, the wrong risk output kind, context never varied.
 */

const json = (m: unknown) => JSON.stringify(m);
const ctx = (name: string) => RISK_OBS_V1.features.findIndex((f) => f.name === name);

/** A guard as torch exports it when the sigmoid was left in the loss (BCEWithLogitsLoss): a raw logit. */
const logitGuard = () => buildMlp({ name: 'logit-guard', layers: [dense(8, WIDTH, 1), dense(1, 8, 2)], head: 'none', outputName: 'allow' });

describe('validation runs the model on sample inputs through the chain readers', () => {
  it('refuses a guard that outputs logits, saying so and what to do', async () => {
    const r = await validateBundle(bytesOf(logitGuard()), json(manifests.guardSingle()));
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^on \d+ sample rows \(the bundled EURUSD H1 bars .* through risk-obs-v1, proposing long and short\): guard allow row \d+ is -?[\d.e-]+, not a probability; this looks like logits: add a sigmoid .* or declare "logits": true in outputs\.$/);
  });

  it('accepts the same guard declared as logits (the chain applies the sigmoid)', async () => {
    const r = await validateBundle(bytesOf(logitGuard()), json({ ...manifests.guardSingle(), outputs: { kind: 'allow-probability', output: 'allow', logits: true } }));
    expect(r.problems).toEqual([]);
  });

  it('refuses alpha class scores that are not a distribution, even when every value lies in [0, 1]', async () => {
    const r = await validateBundle(bytesOf(mlp(3, 'sigmoid')), json({ ...manifests.alphaClasses(), outputs: { kind: 'classes', output: 'output', labels: ['short', 'flat', 'long'] } }));
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/alpha output row 0 is \[.*\], summing to [\d.]+, not 1: not probabilities; this looks like logits: add a softmax .* or declare "logits": true/);
    const declared = await validateBundle(bytesOf(mlp(3, 'none')), json({ ...manifests.alphaClasses(), outputs: { kind: 'classes', output: 'output', labels: ['short', 'flat', 'long'], logits: true } }));
    expect(declared.problems).toEqual([]);
  });

  it('refuses a classifier guard whose row does not sum to 1', async () => {
    const r = await validateBundle(bytesOf(mlp(2, 'none', { outputName: 'probabilities' })), json({ ...manifests.guardColumn(), outputs: { kind: 'allow-probability', output: 'probabilities', column: 1 } }));
    expect(r.problems[0]).toMatch(/guard probabilities row 0 is \[.*\]: .* this looks like logits: add a softmax/);
  });

  it('warns when risk sizes fall outside [0, 1] (the chain would clamp them)', async () => {
    const r = await validateBundle(bytesOf(mlp(3, 'none', { outputName: 'risk' })), json(manifests.riskTensor()));
    expect(r.ok).toBe(true);
    expect(r.warnings.join('\n')).toMatch(/size is outside \[0, 1\] on \d+% of \d+ sample rows .*fraction of the agent's risk %/);
  });

  it('the sample bars are the bundled EURUSD file\'s last rows', () => {
    const file = readFileSync('public/data/EURUSD.csv', 'utf8').trim().split('\n');
    const sample = SAMPLE_BARS_CSV.trim().split('\n');
    expect(sample[0]).toBe(file[0]);
    expect(sample.slice(1)).toEqual(file.slice(file.length - (sample.length - 1)));
  });
});

describe('scaler std floor, relative to the feature\'s documented scale', () => {
  it('every feature of every spec documents a scale the floor can read', () => {
    for (const spec of Object.values(FEATURE_SPECS)) for (const f of spec.features) expect(scaleMagnitude(f.scale), `${f.name}: "${f.scale}"`).toBeGreaterThan(0);
    expect(scaleMagnitude('% of price (≈0.1 EURUSD H1)')).toBe(0.1);
    expect(scaleMagnitude('count (0..10 typical)')).toBe(10);
  });

  it('refuses std + 1e-8 on a constant context column, naming the feature', () => {
    const m = manifests.guardSingle() as ModelManifest;
    m.scaler = { mean: new Array(WIDTH).fill(0), std: new Array(WIDTH).fill(1) };
    m.scaler.std[ctx('ctx_open_positions')] = 1e-8;
    const problems = manifestProblems(m);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^scaler\.std\[52\] is 1e-8 for feature ctx_open_positions, below the floor 0\.01 \(1\/1000 of its documented scale "count \(0\.\.10 typical\)", docs\/FEATURES\.md\): live, the engine would multiply its values by 1\.0e\+8\..*set its std to 1/);
    m.scaler.std[ctx('ctx_open_positions')] = 10 * STD_FLOOR_SHARE;
    expect(manifestProblems(m)).toEqual([]);
  });

  it('the demo bundles pass it', () => {
    for (const role of ['alpha', 'risk', 'guard']) expect(manifestProblems(JSON.parse(readFileSync(`public/models/demo/${role}/manifest.json`, 'utf8'))), role).toEqual([]);
  });
});

describe('manifest help', () => {
  it('snake_case keys get "did you mean" the camelCase key', () => {
    const m = { ...manifests.riskHeads(), outputs: { kind: 'heads', sl_mult: 'sl_mult', tp_mult: 'tp_mult', size: 'size' } };
    const p = manifestProblems(m);
    expect(p).toContain('outputs.sl_mult: did you mean slMult? (manifest keys are camelCase)');
    expect(p).toContain('outputs.tp_mult: did you mean tpMult? (manifest keys are camelCase)');
    const { featureSpec, ...rest } = manifests.alphaClasses();
    expect(manifestProblems({ ...rest, feature_spec: featureSpec, training: { from: '2017-01-01', to: '2017-06-01', test_from: '2017-05-01' } })).toEqual(
      expect.arrayContaining(['feature_spec: did you mean featureSpec? (manifest keys are camelCase)', 'training.test_from: did you mean testFrom? (manifest keys are camelCase)']),
    );
  });

  it('a heads manifest against one [N, 3] output suggests kind "tensor"', async () => {
    const r = await validateBundle(bytesOf(mlp(3, 'sigmoid', { outputName: 'risk' })), json(manifests.riskHeads()));
    expect(r.problems).toEqual([`outputs.kind is "heads" (three [N, 1] outputs sl_mult, tp_mult, size) but the graph has one [N, 3] output 'risk' (risk [N, 3] float); switch the manifest to "outputs": { "kind": "tensor", "output": "risk" } (its columns in the order sl_mult, tp_mult, size).`]);
  });

  it('a tensor manifest against three single-value heads suggests kind "heads"', async () => {
    const r = await validateBundle(bytesOf(riskHeads()), json({ ...manifests.riskTensor(), outputs: { kind: 'tensor', output: 'sl_mult' } }));
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^outputs\.kind is "tensor" \(one \[N, 3\] output\) but the graph has single-value outputs 'sl_mult', 'tp_mult', 'size' .*switch the manifest to "outputs": \{ "kind": "heads", "slMult": "sl_mult", "tpMult": "tp_mult", "size": "size" \}/);
  });

  it('logits may be declared only where the chain applies the activation', () => {
    expect(manifestProblems({ ...manifests.riskTensor(), outputs: { kind: 'tensor', output: 'risk', logits: true } })[0]).toMatch(/outputs\.logits applies to alpha classes and guard allow-probability outputs only/);
    expect(manifestProblems({ ...manifests.guardSingle(), outputs: { kind: 'allow-probability', output: 'allow', logits: 'yes' } })).toEqual(['outputs.logits must be true (the output is raw scores: the chain applies sigmoid/softmax) or false']);
  });
});

describe('context columns that never varied in training', () => {
  const ranges = (over: Record<string, [number, number]>) => Object.fromEntries(RISK_OBS_V1.features.map((f) => [f.name, over[f.name] ?? ([-1, 1] as [number, number])]));

  it('warns, naming the column, when featureRanges shows a constant context column', async () => {
    const m = { ...manifests.guardSingle(), training: { ...manifests.guardSingle().training, featureRanges: ranges({ ctx_open_positions: [0, 0], ctx_direction: [1, 1] }) } };
    const r = await validateBundle(bytesOf(treeClassifier()), json({ ...m, outputs: { kind: 'allow-probability', output: 'probabilities', column: 2 } }));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([
      expect.stringMatching(/^training\.featureRanges says ctx_direction was always 1 in training, but risk and guard see \+1 or -1 there/),
      expect.stringMatching(/^training\.featureRanges says ctx_open_positions was always 0 in training, but the engine feeds it live .* Train on `tradeguard features --with-context` output/),
    ]);
  });

  it('an alpha\'s constant direction is by design (it always sees 0); varied ranges give no warning', async () => {
    const m = { ...manifests.alphaClasses(), training: { ...manifests.alphaClasses().training, featureRanges: ranges({ ctx_direction: [0, 0], ctx_adds_to_position: [0, 0] }) } };
    const r = await validateBundle(bytesOf(mlp(3, 'softmax')), json(m));
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('names an unknown feature in featureRanges', () => {
    expect(manifestProblems({ ...manifests.alphaClasses(), training: { from: '2017-01-01', to: '2017-06-01', featureRanges: { ctx_nope: [0, 1] } } })).toEqual(['training.featureRanges names "ctx_nope", which is not a feature of the spec']);
  });
});
