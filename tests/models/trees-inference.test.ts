import { afterAll, describe, expect, it } from 'vitest';
import { encodeModel } from '../../workers/models/onnx/codec.ts';
import { GraphBuilder, ML_DOMAIN, attr, buildTreeClassifier, buildTreeRegressor, type TreeNode } from '../../workers/models/onnx/builder.ts';
import { DataType } from '../../workers/models/onnx/onnx-schema.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { InferenceSession } from '../../workers/models/inference/session.ts';
import { expectClose } from './helpers.ts';

const sessions: InferenceSession[] = [];
async function load(bytes: Uint8Array, label: string): Promise<InferenceSession> {
  const s = await createOrtSession(bytes, { label });
  sessions.push(s);
  return s;
}
afterAll(async () => {
  for (const s of sessions) await s.release();
});

const batch = (rows: number[][]) => ({ features: { data: Float32Array.from(rows.flat()), dims: [rows.length, rows[0].length] } });

// Two trees over 3 features, one score per class (labels 10, 20, 30).
const CLASS_TREES: TreeNode[] = [
  // Tree 0: x0 <= 0.5 ? (x1 <= 2 ? A : B) : C
  {
    feature: 0, threshold: 0.5,
    ifTrue: { feature: 1, threshold: 2, ifTrue: { leaf: [0.6, 0.3, 0.1] } /* A */, ifFalse: { leaf: [0.1, 0.7, 0.2] } /* B */ },
    ifFalse: { leaf: [0.2, 0.2, 0.6] } /* C */,
  },
  // Tree 1: x2 < 0 ? D : (x1 > 1 ? E : F)
  {
    feature: 2, threshold: 0, mode: 'BRANCH_LT',
    ifTrue: { leaf: [0.5, 0.25, 0.25] } /* D */,
    ifFalse: { feature: 1, threshold: 1, mode: 'BRANCH_GT', ifTrue: { leaf: [0, 0.5, 0.5] } /* E */, ifFalse: { leaf: [0.25, 0.25, 0.5] } /* F */ },
  },
];

const CLASS_ROWS = [
  [0, 0, -1], //   A + D = [1.1, 0.55, 0.35] -> 10
  [0.5, 3, 1], //  B + E = [0.1, 1.2, 0.7]   -> 20 (0.5 <= 0.5 takes the true branch)
  [2, 1, 0], //    C + F = [0.45, 0.45, 1.1] -> 30 (0 < 0 and 1 > 1 are both false)
  [1, 5, -0.5], // C + D = [0.7, 0.45, 0.85] -> 30
];
const CLASS_SCORES = [
  [1.1, 0.55, 0.35],
  [0.1, 1.2, 0.7],
  [0.45, 0.45, 1.1],
  [0.7, 0.45, 0.85],
];

describe('tree ensembles (ai.onnx.ml) in onnxruntime-web', () => {
  it('TreeEnsembleClassifier: int64 labels and summed class scores', async () => {
    const model = buildTreeClassifier({ name: 'regime', featureCount: 3, classLabels: [10, 20, 30], trees: CLASS_TREES });
    const s = await load(encodeModel(model), 'regime');
    expect(s.outputNames).toEqual(['label', 'probabilities']);
    const out = await s.run(batch(CLASS_ROWS));
    expect(out.label.type).toBe('int64');
    expect(out.label.dims).toEqual([4]);
    expect(Array.from(out.label.data as BigInt64Array)).toEqual([10n, 20n, 30n, 30n]);
    expect(out.probabilities.dims).toEqual([4, 3]);
    expectClose(out.probabilities.data as Float32Array, CLASS_SCORES.flat(), 1e-6);
  });

  it('TreeEnsembleClassifier with base values and a SOFTMAX post-transform', async () => {
    const base = [0.1, 0, -0.1];
    const model = buildTreeClassifier({ name: 'regime-sm', featureCount: 3, classLabels: [10, 20, 30], trees: CLASS_TREES, baseValues: base, postTransform: 'SOFTMAX' });
    const s = await load(encodeModel(model), 'regime-sm');
    const out = await s.run(batch(CLASS_ROWS));
    const expected = CLASS_SCORES.map((row) => {
      const z = row.map((v, k) => v + base[k]);
      const e = z.map(Math.exp);
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    });
    expectClose(out.probabilities.data as Float32Array, expected.flat(), 1e-6);
    // Scores + base: [1.2, 0.55, 0.25] -> 10, [0.2, 1.2, 0.6] -> 20, [0.55, 0.45, 1.0] -> 30,
    // [0.8, 0.45, 0.75] -> 10 (the base values flip the last row).
    expect(Array.from(out.label.data as BigInt64Array)).toEqual([10n, 20n, 30n, 10n]);
  });

  // Two trees over 2 features, two targets, base values [1, -1].
  const REG_TREES: TreeNode[] = [
    // Tree 0: x0 <= 0 ? [0.5, 1] : (x1 >= 10 ? [2, 0] : [-1, 3]); NaN takes the false branch.
    { feature: 0, threshold: 0, ifTrue: { leaf: [0.5, 1] }, ifFalse: { feature: 1, threshold: 10, mode: 'BRANCH_GTE', ifTrue: { leaf: [2, 0] }, ifFalse: { leaf: [-1, 3] } } },
    // Tree 1: x1 <= 5 ? [0.25, 0.25] : [1, -2]; NaN takes the true branch.
    { feature: 1, threshold: 5, missingGoesTrue: true, ifTrue: { leaf: [0.25, 0.25] }, ifFalse: { leaf: [1, -2] } },
  ];
  const REG_ROWS = [
    [-1, 0], //     [0.5, 1] + [0.25, 0.25] = [0.75, 1.25]
    [1, 10], //     [2, 0]   + [1, -2]      = [3, -2]
    [3, 7], //      [-1, 3]  + [1, -2]      = [0, 1]
    [0, 5], //      [0.5, 1] + [0.25, 0.25] = [0.75, 1.25] (both boundaries are <=)
    [NaN, NaN], //  [-1, 3]  + [0.25, 0.25] = [-0.75, 3.25]
  ];
  const REG_SUMS = [[0.75, 1.25], [3, -2], [0, 1], [0.75, 1.25], [-0.75, 3.25]];

  it('TreeEnsembleRegressor, SUM with base values (and NaN routing)', async () => {
    const model = buildTreeRegressor({ name: 'size', featureCount: 2, targets: 2, trees: REG_TREES, baseValues: [1, -1] });
    const s = await load(encodeModel(model), 'size');
    const out = await s.run(batch(REG_ROWS));
    expect(out.variable.dims).toEqual([5, 2]);
    // + base [1, -1]
    expectClose(out.variable.data as Float32Array, [1.75, 0.25, 4, -3, 1, 0, 1.75, 0.25, 0.25, 2.25], 1e-6);
    expectClose(out.variable.data as Float32Array, REG_SUMS.flatMap(([a, b]) => [a + 1, b - 1]), 1e-6);
  });

  it('TreeEnsembleRegressor, AVERAGE over the trees', async () => {
    const model = buildTreeRegressor({ name: 'size-avg', featureCount: 2, targets: 2, trees: REG_TREES, aggregate: 'AVERAGE' });
    const s = await load(encodeModel(model), 'size-avg');
    const out = await s.run(batch(REG_ROWS));
    expectClose(out.variable.data as Float32Array, REG_SUMS.flatMap(([a, b]) => [a / 2, b / 2]), 1e-6);
  });

  it("pins onnxruntime's 2-class quirk (label is 'class-1 score > 0', not argmax), which is why the builder refuses 2 classes", async () => {
    expect(() => buildTreeClassifier({ name: 'bin', featureCount: 1, classLabels: [0, 1], trees: [{ leaf: [1, 0] }] })).toThrow(/2 classes; onnxruntime's 2-class TreeEnsembleClassifier does not label by argmax/);
    // One stump written by hand: x0 <= 0 ? [0.8, 0.2] : [0.3, 0.7].
    const g = new GraphBuilder({ name: 'bin' }).opset(ML_DOMAIN, 3);
    g.input('features', DataType.FLOAT, ['N', 1]);
    g.node('TreeEnsembleClassifier', ['features'], ['label', 'probabilities'], {
      nodes_treeids: attr.ints([0, 0, 0]), nodes_nodeids: attr.ints([0, 1, 2]), nodes_featureids: attr.ints([0, 0, 0]),
      nodes_values: attr.floats([0, 0, 0]), nodes_modes: attr.strings(['BRANCH_LEQ', 'LEAF', 'LEAF']),
      nodes_truenodeids: attr.ints([1, 0, 0]), nodes_falsenodeids: attr.ints([2, 0, 0]),
      class_treeids: attr.ints([0, 0, 0, 0]), class_nodeids: attr.ints([1, 1, 2, 2]), class_ids: attr.ints([0, 1, 0, 1]),
      class_weights: attr.floats([0.8, 0.2, 0.3, 0.7]), classlabels_int64s: attr.ints([0, 1]), post_transform: attr.string('NONE'),
    }, { domain: ML_DOMAIN });
    g.output('label', DataType.INT64, ['N']);
    g.output('probabilities', DataType.FLOAT, ['N', 2]);
    const s = await load(encodeModel(g.build()), 'bin');
    const out = await s.run(batch([[-1], [1]]));
    expectClose(out.probabilities.data as Float32Array, [0.8, 0.2, 0.3, 0.7], 1e-6);
    // Row 0 scores [0.8, 0.2]: argmax would say 0, onnxruntime says 1 (0.2 > 0).
    expect(Array.from(out.label.data as BigInt64Array)).toEqual([1n, 1n]);
  });
});
