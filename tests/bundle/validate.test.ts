import { describe, expect, it } from 'vitest';
import { validateBundle, type BundleReport } from '../../workers/models/bundle/validate.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { CreateSession } from '../../workers/models/inference/session.ts';
import { GraphBuilder } from '../../workers/models/onnx/builder.ts';
import { DataType } from '../../workers/models/onnx/onnx-schema.ts';
import type { ModelManifest } from '../../workers/models/bundle/manifest.ts';
import { seededBytes } from '../models/helpers.ts';
import { WIDTH, bytesOf, goodBundles, manifests, mlp, riskHeads, treeClassifier, unknownOp, zipMapClassifier } from './fixtures.ts';

const json = (m: unknown) => JSON.stringify(m);
const alphaBytes = () => bytesOf(mlp(3, 'softmax'));

/** Exactly one problem, matching `re`. */
function onlyProblem(r: BundleReport, re: RegExp): string {
  expect(r.ok).toBe(false);
  expect(r.problems, r.problems.join('\n')).toHaveLength(1);
  expect(r.problems[0]).toMatch(re);
  return r.problems[0];
}

describe('validateBundle: sound bundles', () => {
  it.each(goodBundles)('accepts %s', async (_what, model, manifest) => {
    const r = await validateBundle(bytesOf(model()), json(manifest()));
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.manifest?.name).toBe(manifest().name);
    expect(r.info?.inputs.map((i) => i.name)).toEqual(['features']);
  });

  it('takes the manifest as an object as well as JSON text', async () => {
    expect((await validateBundle(alphaBytes(), manifests.alphaClasses())).ok).toBe(true);
  });

  it('accepts a fixed batch size the manifest states', async () => {
    const m = mlp(3, 'softmax');
    m.graph.inputs[0].shape = [4, WIDTH];
    m.graph.outputs[0].shape = [4, 3];
    const r = await validateBundle(bytesOf(m), { ...manifests.alphaClasses(), input: { name: 'features', shape: [4, WIDTH] } });
    expect(r.problems).toEqual([]);
  });

  it('releases every session it creates, passing or failing', async () => {
    let created = 0;
    let released = 0;
    const counting: CreateSession = async (bytes, opts) => {
      const s = await createOrtSession(bytes, opts);
      created++;
      return { inputNames: s.inputNames, outputNames: s.outputNames, backend: s.backend, run: (f) => s.run(f), release: async () => { released++; await s.release(); } };
    };
    await validateBundle(alphaBytes(), json(manifests.alphaClasses()), { createSession: counting });
    await validateBundle(bytesOf(mlp(3, 'softmax', { inSize: 59 })), json(manifests.alphaClasses()), { createSession: counting });
    await validateBundle(bytesOf(mlp(4, 'softmax')), json(manifests.alphaClasses()), { createSession: counting });
    expect(created).toBe(3);
    expect(released).toBe(3);
  });
});

describe('validateBundle: each problem, named with what to do', () => {
  it('not an ONNX file: the codec says why', async () => {
    const p = onlyProblem(await validateBundle(seededBytes(7, 300), json(manifests.alphaClasses())), /^model\.onnx is not an ONNX model: .*; pass the binary \.onnx file the exporter wrote\.$/);
    expect(p).not.toMatch(/swapped/);
    onlyProblem(await validateBundle(new TextEncoder().encode(json(manifests.alphaClasses())), json(manifests.alphaClasses())), /not an ONNX model: input looks like JSON text.*\(are --model and --manifest swapped\?\)/);
  });

  it('manifest.json that does not parse', async () => {
    const r = await validateBundle(alphaBytes(), '{"format": "tradeguard-model/1", ');
    onlyProblem(r, /^manifest\.json is not valid JSON \(.+\); fix its syntax/);
    expect(r.info).toBeDefined();
  });

  it('manifest field problems come from manifestProblems, prefixed', async () => {
    const r = await validateBundle(alphaBytes(), json({ ...manifests.alphaClasses(), timeframe: 'H2', symbols: [] }));
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      'manifest.json: timeframe must be one of M1 M5 M15 M30 H1 H4 D1 W1 MN1 (got "H2").',
      'manifest.json: symbols must list the symbols the model was trained for.',
    ]);
  });

  it('the manifest names an input the graph does not have, and the ones found are listed', async () => {
    onlyProblem(
      await validateBundle(alphaBytes(), json({ ...manifests.alphaClasses(), input: { name: 'obs', shape: ['N', WIDTH] } })),
      /^the graph has no input named 'obs' \(manifest input\.name\); its inputs are: features \[N, 60\] float\. Set input\.name to the graph's input, or re-export naming the input 'obs'/,
    );
  });

  it('the graph has an extra input', async () => {
    const g = new GraphBuilder({ name: 'two-inputs' });
    g.input('features', DataType.FLOAT, ['N', WIDTH]).input('mask', DataType.FLOAT, ['N', 3]);
    g.node('Softmax', ['mask'], ['probabilities']);
    g.output('probabilities', DataType.FLOAT, ['N', 3]);
    onlyProblem(await validateBundle(bytesOf(g.build()), json(manifests.alphaClasses())), /^the graph has extra input mask \[N, 3\] float besides 'features'; the engine feeds exactly one \[N, features\] float tensor/);
  });

  it('an input narrower than the feature spec (59 vs 60); a symbolic batch is fine', async () => {
    const r = await validateBundle(bytesOf(mlp(3, 'softmax', { inSize: 59 })), json(manifests.alphaClasses()));
    onlyProblem(r, /^input 'features' takes 59 features \(graph shape \[N, 59\]\) but feature spec risk-obs-v1 has 60; train and export the model on all 60 risk-obs-v1 features, in spec order\.$/);
  });

  it('an input that is not float', async () => {
    const g = new GraphBuilder({ name: 'int-input' });
    g.input('features', DataType.INT64, ['N', WIDTH]);
    g.node('Cast', ['features'], ['f'], { to: { kind: 'int', value: 1 } });
    g.node('ReduceSum', ['f'], ['score'], { keepdims: { kind: 'int', value: 1 } });
    g.output('score', DataType.FLOAT, ['N', 1]);
    onlyProblem(await validateBundle(bytesOf(g.build()), json(manifests.alphaScore())), /^input 'features' is int64, but the engine feeds float32/);
  });

  it('a fixed batch of 1 where the manifest says N', async () => {
    const m = mlp(3, 'softmax');
    m.graph.inputs[0].shape = [1, WIDTH];
    m.graph.outputs[0].shape = [1, 3];
    onlyProblem(await validateBundle(bytesOf(m), json(manifests.alphaClasses())), /^input 'features' fixes the batch size at 1 but manifest input\.shape\[0\] is "N"; re-export with a dynamic batch axis/);
  });

  it('an unknown feature spec', async () => {
    const r = await validateBundle(alphaBytes(), json({ ...manifests.alphaClasses(), featureSpec: 'risk-obs-v9' }));
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toBe('manifest.json: featureSpec "risk-obs-v9" is not a known feature spec (known: risk-obs-v1).');
  });

  it('a declared output the graph does not have, with the outputs found', async () => {
    onlyProblem(
      await validateBundle(alphaBytes(), json({ ...manifests.alphaClasses(), outputs: { kind: 'classes', output: 'probs', labels: ['short', 'flat', 'long'] } })),
      /^the graph has no output named 'probs' \(manifest outputs\.output\); its outputs are: probabilities \[N, 3\] float\. Set outputs\.output to one of them/,
    );
  });

  it('classes: [N, labels.length]', async () => {
    onlyProblem(
      await validateBundle(alphaBytes(), json({ ...manifests.alphaClasses(), outputs: { kind: 'classes', output: 'probabilities', labels: ['short', 'long'] } })),
      /^output 'probabilities' \(manifest outputs\.output\): the graph declares \[N, 3\] but the manifest needs \[N, 2\] \(one probability per label in outputs\.labels \(short, long\)\)/,
    );
  });

  it('actions: [N, actions.length]', async () => {
    onlyProblem(
      await validateBundle(bytesOf(mlp(4, 'softmax', { outputName: 'action_probs' })), json(manifests.alphaActions())),
      /^output 'action_probs' \(manifest outputs\.output\): the graph declares \[N, 4\] but the manifest needs \[N, 3\] \(one score per action/,
    );
  });

  it('risk tensor: [N, 3]', async () => {
    onlyProblem(await validateBundle(bytesOf(mlp(4, 'none', { outputName: 'risk' })), json(manifests.riskTensor())), /^output 'risk' .*declares \[N, 4\] but the manifest needs \[N, 3\] \(sl_mult, tp_mult, size in that order\)/);
  });

  it('risk heads: [N, 1] or [N] each', async () => {
    const r = await validateBundle(bytesOf(riskHeads(['sl_mult', 'tp_mult', 'size'], 2)), json(manifests.riskHeads()));
    expect(r.problems).toHaveLength(3);
    expect(r.problems[0]).toMatch(/^output 'sl_mult' \(manifest outputs\.slMult\): the graph declares \[N, 2\] but the manifest needs \[N, 1\] or \[N\]/);
    expect(r.problems[2]).toMatch(/^output 'size' \(manifest outputs\.size\)/);
  });

  it('a head that is not float (a classifier\'s label)', async () => {
    onlyProblem(
      await validateBundle(bytesOf(treeClassifier()), json({ ...manifests.guardColumn(), outputs: { kind: 'allow-probability', output: 'label' } })),
      /^output 'label' \(manifest outputs\.output\) is int64; a model head must be float/,
    );
  });

  it('guard column out of range', async () => {
    onlyProblem(
      await validateBundle(bytesOf(treeClassifier()), json({ ...manifests.guardColumn(), outputs: { kind: 'allow-probability', output: 'probabilities', column: 3 } })),
      /^output 'probabilities' .*declares \[N, 3\] but the manifest needs \[N, K\] with K > 3 \(outputs\.column 3 must be one of its columns\); outputs\.column is out of range/,
    );
  });

  it('a shape the graph leaves symbolic is checked by running the model once', async () => {
    const m = mlp(4, 'none', { outputName: 'risk' });
    m.graph.outputs[0].shape = ['N', 'K'];
    onlyProblem(await validateBundle(bytesOf(m), json(manifests.riskTensor())), /^output 'risk' \(manifest outputs\.output\): a run on \[2, 60\] returned \[2, 4\] but the manifest needs \[N, 3\]/);
  });

  it('scaler of the wrong length, and a NaN in it', async () => {
    onlyProblem(await validateBundle(alphaBytes(), json({ ...manifests.alphaClasses(), scaler: { mean: [0, 0], std: [1, 1] } })), /^manifest\.json: scaler has 2 means and 2 standard deviations; risk-obs-v1 has 60 features\.$/);
    const mean = new Array(WIDTH).fill(0);
    mean[5] = NaN;
    onlyProblem(await validateBundle(alphaBytes(), { ...manifests.alphaClasses(), scaler: { mean, std: new Array(WIDTH).fill(1) } }), /^manifest\.json: scaler\.mean\[5\] is not a finite number \(feature .+\)\.$/);
    // JSON has no NaN: Python's json.dump writes it as NaN (invalid JSON), a cleaned one as null.
    onlyProblem(await validateBundle(alphaBytes(), json({ ...manifests.alphaClasses(), scaler: { mean: mean.map((v) => (Number.isNaN(v) ? null : v)), std: new Array(WIDTH).fill(1) } })), /scaler\.mean\[5\] is not a finite number/);
    onlyProblem(await validateBundle(alphaBytes(), json(manifests.alphaClasses()).replace('"mean":[0,', '"mean":[NaN,')), /^manifest\.json is not valid JSON \(.+\) \(NaN and Infinity are not JSON: Python's json\.dump writes them unless allow_nan=False/);
  });

  it('an operator the runtime does not know (default domain)', async () => {
    onlyProblem(
      await validateBundle(bytesOf(unknownOp('Frobnicate', '')), json(manifests.alphaClasses())),
      /^operator Frobnicate \(domain ai\.onnx, opset 17\) is not supported by the runtime \(onnxruntime-web\); re-export with standard operators at an opset the runtime knows \(ai\.onnx opset <= 26, ai\.onnx\.ml opset <= 5; e\.g\. torch\.onnx\.export\(\.\.\., opset_version=17\)/,
    );
  });

  it('an operator in a custom domain', async () => {
    onlyProblem(
      await validateBundle(bytesOf(unknownOp('FusedThing', 'com.example')), json(manifests.alphaClasses())),
      /^operator FusedThing \(domain com\.example, opset 1\) is not supported by the runtime \(onnxruntime-web\); custom-domain operators cannot run here; re-export with standard ONNX operators only/,
    );
  });

  it('an opset newer than the runtime supports', async () => {
    const m = mlp(3, 'softmax');
    m.opsetImports = [{ domain: '', version: 30 }];
    onlyProblem(await validateBundle(bytesOf(m), json(manifests.alphaClasses())), /^the model imports opset 30 of ai\.onnx, newer than the runtime supports \(opset <= 26\); re-export with opset <= 26 \(torch\.onnx\.export\(\.\.\., opset_version=17\)/);
  });

  it('a classifier that ends in ZipMap', async () => {
    const r = await validateBundle(bytesOf(zipMapClassifier()), json({ ...manifests.guardColumn(), outputs: { kind: 'allow-probability', output: 'output_probability', column: 2 } }));
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toBe(
      "the model ends in ZipMap (output 'output_probability' is a sequence/map, not tensor); re-export with zipmap=False (skl2onnx: convert_sklearn(..., options={id(clf): {'zipmap': False}}); onnxmltools: convert_lightgbm(..., zipmap=False)) so the probabilities come out as a float tensor [N, classes].",
    );
    // The runtime's own complaint about the non-tensor output is not repeated.
    expect(r.problems.join('\n')).not.toMatch(/onnxruntime could not load/);
  });

  it('a sequence/map output without a ZipMap node is reported the same way', async () => {
    const m = treeClassifier();
    m.graph.nodes.push({ opType: 'SequenceConstruct', domain: '', name: 'seq', inputs: ['probabilities'], outputs: ['probs_seq'], attributes: [] });
    m.graph.outputs = [{ name: 'probs_seq', elemType: DataType.UNDEFINED, shape: null }, m.graph.outputs[1]];
    const r = await validateBundle(bytesOf(m), json(manifests.guardColumn()));
    onlyProblem(r, /^the model ends in ZipMap \(output 'probs_seq' is a sequence\/map, not tensor\); re-export with zipmap=False/);
  });

  it('reports every problem at once', async () => {
    const bad: Record<string, unknown> = { ...manifests.alphaClasses(), timeframe: 'H2', input: { name: 'obs', shape: ['N', WIDTH] } };
    const r = await validateBundle(bytesOf(mlp(3, 'softmax', { outputName: 'p' })), json(bad as unknown as ModelManifest));
    expect(r.problems.length).toBe(3);
    expect(r.problems.join('\n')).toMatch(/timeframe/);
    expect(r.problems.join('\n')).toMatch(/no input named 'obs'/);
    expect(r.problems.join('\n')).toMatch(/no output named 'probabilities'/);
  });
});
