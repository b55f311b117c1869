import { encodeModel } from '../../workers/models/onnx/codec.ts';
import { GraphBuilder, ML_DOMAIN, attr, buildMlp, buildTreeClassifier, buildTreeRegressor, floatTensor, type DenseLayer, type MlpHead } from '../../workers/models/onnx/builder.ts';
import { DataType } from '../../workers/models/onnx/onnx-schema.ts';
import type { OnnxModel } from '../../workers/models/onnx/model.ts';
import type { ModelManifest } from '../../workers/models/bundle/manifest.ts';

/** risk-obs-v1's width. */
export const WIDTH = 60;

/** Deterministic small weights (no randomness in tests). */
export function dense(outSize: number, inSize: number, seed = 1): DenseLayer {
  const w = (o: number, i: number) => Math.sin(seed * 7.1 + o * 3.3 + i * 0.37) * 0.1;
  return { weights: Array.from({ length: outSize }, (_, o) => Array.from({ length: inSize }, (_, i) => w(o, i))), bias: Array.from({ length: outSize }, (_, o) => o * 0.01) };
}

export function mlp(outputs: number, head: MlpHead, opts: { inSize?: number; outputName?: string; inputName?: string } = {}): OnnxModel {
  const inSize = opts.inSize ?? WIDTH;
  return buildMlp({ name: 'test-mlp', layers: [dense(8, inSize, 1), dense(outputs, 8, 2)], head, inputName: opts.inputName, outputName: opts.outputName });
}

export const bytesOf = encodeModel;

/** A 3-class tree classifier on feature 0: label [N] int64 + probabilities [N, 3]. */
export function treeClassifier(): OnnxModel {
  return buildTreeClassifier({
    name: 'test-trees',
    featureCount: WIDTH,
    classLabels: [0, 1, 2],
    trees: [{ feature: 0, threshold: 0.5, ifTrue: { leaf: [0.7, 0.2, 0.1] }, ifFalse: { leaf: [0.1, 0.2, 0.7] } }],
  });
}

/** A one-target tree regressor: variable [N, 1]. */
export function treeRegressor(outputName = 'allow'): OnnxModel {
  return buildTreeRegressor({
    name: 'test-guard',
    featureCount: WIDTH,
    targets: 1,
    trees: [{ feature: 3, threshold: 0, ifTrue: { leaf: [0.8] }, ifFalse: { leaf: [0.3] } }],
    outputName,
  });
}

/** Three [N, 1] risk heads from one input, each its own Gemm. */
export function riskHeads(names: [string, string, string] = ['sl_mult', 'tp_mult', 'size'], cols = 1): OnnxModel {
  const g = new GraphBuilder({ name: 'risk-heads' });
  g.input('features', DataType.FLOAT, ['N', WIDTH]);
  names.forEach((n, k) => {
    const layer = dense(cols, WIDTH, k + 3);
    const w = g.initializer(floatTensor(`${n}.w`, [cols, WIDTH], layer.weights.flat()));
    const b = g.initializer(floatTensor(`${n}.b`, [cols], layer.bias));
    g.node('Gemm', ['features', w, b], [n], { transB: attr.int(1) });
    g.output(n, DataType.FLOAT, ['N', cols]);
  });
  return g.build();
}

/**
 * What skl2onnx writes by default: the classifier followed by ZipMap, whose output is a
 * sequence of maps. The codec only writes tensor types, so the output is declared with
 * element type 0 and no shape, which is how a sequence/map output decodes.
 */
export function zipMapClassifier(): OnnxModel {
  const m = treeClassifier();
  m.graph.nodes.push({ opType: 'ZipMap', domain: ML_DOMAIN, name: 'ZipMap', inputs: ['probabilities'], outputs: ['output_probability'], attributes: [{ name: 'classlabels_int64s', kind: 'ints', value: [0, 1, 2] }] });
  m.graph.outputs = [m.graph.outputs[0], { name: 'output_probability', elemType: DataType.UNDEFINED, shape: null }];
  return m;
}

/** features [N, 60] -> one node of `opType` in `domain` -> probabilities [N, 3]. */
export function unknownOp(opType: string, domain: string): OnnxModel {
  const g = new GraphBuilder({ name: 'unknown-op' });
  g.input('features', DataType.FLOAT, ['N', WIDTH]);
  g.node(opType, ['features'], ['probabilities'], {}, { domain });
  g.output('probabilities', DataType.FLOAT, ['N', 3]);
  return g.build();
}

const base = {
  format: 'tradeguard-model/1' as const,
  version: '1.0.0',
  featureSpec: 'risk-obs-v1',
  input: { name: 'features', shape: ['N', WIDTH] as ['N', number] },
  scaler: { mean: new Array(WIDTH).fill(0), std: new Array(WIDTH).fill(1) },
  timeframe: 'H1' as const,
  symbols: ['EURUSD'],
  training: { from: '2017-04-19', to: '2017-12-31', testFrom: '2017-11-01', samples: 4000 },
  metrics: { accuracy: 0.41 },
};

export const manifests = {
  alphaClasses: (): ModelManifest => ({ ...base, role: 'alpha', name: 'demo-mlp', outputs: { kind: 'classes', output: 'probabilities', labels: ['short', 'flat', 'long'] } }),
  alphaActions: (): ModelManifest => ({ ...base, role: 'alpha', name: 'demo-ppo', scaler: null, outputs: { kind: 'actions', output: 'action_probs', actions: ['flat', 'long', 'short'] } }),
  alphaScore: (): ModelManifest => ({ ...base, role: 'alpha', name: 'demo-score', outputs: { kind: 'score', output: 'score' } }),
  riskTensor: (): ModelManifest => ({ ...base, role: 'risk', name: 'demo-risk', outputs: { kind: 'tensor', output: 'risk' } }),
  riskHeads: (): ModelManifest => ({ ...base, role: 'risk', name: 'demo-risk-heads', outputs: { kind: 'heads', slMult: 'sl_mult', tpMult: 'tp_mult', size: 'size' } }),
  guardColumn: (): ModelManifest => ({ ...base, role: 'guard', name: 'demo-guard-trees', scaler: null, outputs: { kind: 'allow-probability', output: 'probabilities', column: 2 } }),
  guardSingle: (): ModelManifest => ({ ...base, role: 'guard', name: 'demo-guard', scaler: null, outputs: { kind: 'allow-probability', output: 'allow' } }),
};

/** A sound bundle per role and output kind. */
export const goodBundles: [string, () => OnnxModel, () => ModelManifest][] = [
  ['alpha classes (MLP softmax)', () => mlp(3, 'softmax'), manifests.alphaClasses],
  ['alpha actions (policy)', () => mlp(3, 'softmax', { outputName: 'action_probs' }), manifests.alphaActions],
  ['alpha score (tanh)', () => mlp(1, 'tanh', { outputName: 'score' }), manifests.alphaScore],
  ['risk tensor [N, 3]', () => mlp(3, 'none', { outputName: 'risk' }), manifests.riskTensor],
  ['risk heads 3 x [N, 1]', () => riskHeads(), manifests.riskHeads],
  ['guard column of tree classifier', treeClassifier, manifests.guardColumn],
  ['guard [N, 1] tree regressor', () => treeRegressor(), manifests.guardSingle],
];
