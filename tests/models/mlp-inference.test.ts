import { afterAll, describe, expect, it } from 'vitest';
import { encodeModel } from '../../workers/models/onnx/codec.ts';
import { GraphBuilder, attr, buildMlp, floatTensor, type DenseLayer, type MlpHead } from '../../workers/models/onnx/builder.ts';
import { DataType } from '../../workers/models/onnx/onnx-schema.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { InferenceSession } from '../../workers/models/inference/session.ts';
import { expectClose, forwardMlp } from './helpers.ts';

// 4 features -> 5 hidden (Relu) -> 3 classes (Softmax). Weights are [out][in] like nn.Linear.
const CLASSIFIER: DenseLayer[] = [
  {
    weights: [
      [0.5, -1.2, 0.3, 0.8],
      [-0.7, 0.4, 1.1, -0.2],
      [0.9, 0.1, -0.6, 0.5],
      [-0.3, -0.8, 0.2, 1.4],
      [1.0, 0.6, 0.7, -0.9],
    ],
    bias: [0.1, -0.2, 0.05, 0.3, -0.1],
  },
  {
    weights: [
      [1.2, -0.5, 0.8, 0.3, -1.1],
      [-0.4, 0.9, -0.2, 1.0, 0.6],
      [0.7, 0.2, -1.3, -0.6, 0.4],
    ],
    bias: [0.2, -0.1, 0.0],
  },
];

const ROWS = [
  [1.0, 0.5, -0.3, 2.0],
  [-1.5, 0.2, 0.8, -0.4],
  [0.0, 0.0, 0.0, 0.0],
  [3.0, -2.0, 1.5, 0.7],
  [0.25, 1.75, -1.0, -2.5],
];

const sessions: InferenceSession[] = [];
async function load(layers: DenseLayer[], head: MlpHead, label: string): Promise<InferenceSession> {
  const s = await createOrtSession(encodeModel(buildMlp({ name: label, layers, head })), { label });
  sessions.push(s);
  return s;
}
afterAll(async () => {
  for (const s of sessions) await s.release();
});

const row = (x: number[]) => ({ features: { data: Float32Array.from(x), dims: [1, x.length] } });

describe('a built MLP in onnxruntime-web (wasm, Node)', () => {
  it('gives the hand-computed softmax probabilities', async () => {
    const started = performance.now();
    const s = await load(CLASSIFIER, 'softmax', 'alpha-mlp');
    // Logged for the report: the first session compiles the 14 MB wasm module.
    console.info(`first onnxruntime-web session: ${(performance.now() - started).toFixed(0)} ms`);
    expect(s.inputNames).toEqual(['features']);
    expect(s.outputNames).toEqual(['probabilities']);
    for (const x of ROWS) {
      const out = (await s.run(row(x))).probabilities;
      expect(out.dims).toEqual([1, 3]);
      expect(out.type).toBe('float32');
      expectClose(out.data as Float32Array, forwardMlp(CLASSIFIER, 'softmax', x), 1e-6);
    }
  });

  it('a batch of 5 rows equals 5 single runs', async () => {
    const s = await load(CLASSIFIER, 'softmax', 'alpha-mlp-batch');
    const batch = await s.run({ features: { data: Float32Array.from(ROWS.flat()), dims: [5, 4] } });
    expect(batch.probabilities.dims).toEqual([5, 3]);
    const data = batch.probabilities.data as Float32Array;
    for (let i = 0; i < ROWS.length; i++) {
      const single = (await s.run(row(ROWS[i]))).probabilities.data as Float32Array;
      expectClose(data.subarray(i * 3, i * 3 + 3), Array.from(single), 1e-7);
      expectClose(data.subarray(i * 3, i * 3 + 3), forwardMlp(CLASSIFIER, 'softmax', ROWS[i]), 1e-6);
    }
  });

  it('sigmoid and tanh heads, two hidden layers', async () => {
    const deep: DenseLayer[] = [
      CLASSIFIER[0],
      { weights: [[0.3, -0.2, 0.5, 0.1, -0.4], [0.6, 0.2, -0.1, 0.3, 0.2]], bias: [0.05, -0.05] },
      { weights: [[1.5, -2.0]], bias: [0.25] },
    ];
    for (const head of ['sigmoid', 'tanh', 'none'] as const) {
      const s = await load(deep, head, `risk-${head}`);
      const out = await s.run({ features: { data: Float32Array.from(ROWS.flat()), dims: [5, 4] } });
      const name = s.outputNames[0];
      expect(out[name].dims).toEqual([5, 1]);
      expectClose(out[name].data as Float32Array, ROWS.map((x) => forwardMlp(deep, head, x)[0]), 1e-6);
    }
  });

  it('runs a tensor attribute written by the codec (Constant -> Add)', async () => {
    const g = new GraphBuilder({ name: 'shift' });
    g.input('features', DataType.FLOAT, ['N', 3]);
    g.node('Constant', [], ['offset'], { value: attr.tensor(floatTensor('offset', [3], [0.5, -1, 2])) });
    g.node('Add', ['features', 'offset'], ['shifted']);
    g.output('shifted', DataType.FLOAT, ['N', 3]);
    const s = await createOrtSession(encodeModel(g.build()), { label: 'shift' });
    sessions.push(s);
    const out = await s.run({ features: { data: Float32Array.from([1, 2, 3, 4, 5, 6]), dims: [2, 3] } });
    expect(Array.from(out.shifted.data as Float32Array)).toEqual([1.5, 1, 5, 4.5, 4, 8]);
  });

  it('rejects feeds that do not match the model, naming the problem', async () => {
    const s = await load(CLASSIFIER, 'softmax', 'alpha-mlp-feeds');
    await expect(s.run({ x: { data: new Float32Array(4), dims: [1, 4] } })).rejects.toThrow("model 'alpha-mlp-feeds': missing input 'features' (inputs: features)");
    await expect(s.run({ features: { data: new Float32Array(3), dims: [1, 4] } })).rejects.toThrow("input 'features' has 3 values for dims [1, 4] (expected 4)");
    await expect(s.run({ features: { data: new Float32Array(3), dims: [1, 3] } })).rejects.toThrow(/^model 'alpha-mlp-feeds': run failed: Got invalid dimensions for input: features/);
  });
});
