import { seededRandom } from '../../workers/util/seeded-random.ts';
import type { DenseLayer, MlpHead } from '../../workers/models/onnx/builder.ts';

/** A plain TypeScript forward pass (float64), the reference the runtime is checked against. */
export function forwardMlp(layers: DenseLayer[], head: MlpHead, x: number[]): number[] {
  let a = x;
  layers.forEach((layer, i) => {
    const z = layer.weights.map((row, o) => row.reduce((s, w, k) => s + w * a[k], layer.bias[o]));
    a = i < layers.length - 1 ? z.map((v) => Math.max(0, v)) : z;
  });
  switch (head) {
    case 'softmax': {
      const m = Math.max(...a);
      const e = a.map((v) => Math.exp(v - m));
      const s = e.reduce((p, q) => p + q, 0);
      return e.map((v) => v / s);
    }
    case 'sigmoid': return a.map((v) => 1 / (1 + Math.exp(-v)));
    case 'tanh': return a.map((v) => Math.tanh(v));
    case 'none': return a;
  }
}

/** Deterministic pseudo-random bytes, so a failing case can be replayed. */
export function seededBytes(seed: number, length: number): Uint8Array {
  const rnd = seededRandom(seed);
  return Uint8Array.from({ length }, () => Math.floor(rnd() * 256));
}

export function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol: number): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`index ${i}: got ${actual[i]}, expected ${expected[i]} (tolerance ${tol}); all: [${Array.from(actual).join(', ')}]`);
    }
  }
}
