import { buildMlp } from '../workers/models/onnx/builder.ts';
import { encodeModel } from '../workers/models/onnx/codec.ts';
import { seededRandom } from './lib.ts';

/**
 * The three models the chain benchmarks run, at demo size (60 -> 32 -> heads),
 * in the order alpha (3-class softmax), risk ([N, 3]: 2, 3, 0.5 biases), guard
 * (sigmoid). One source of bytes for the Node and the Chromium benches.
 */
export function chainModelBytes(): { alpha: Uint8Array; risk: Uint8Array; guard: Uint8Array } {
  const rnd = seededRandom(11);
  const layer = (o: number, i: number, scale: number) => ({ weights: Array.from({ length: o }, () => Array.from({ length: i }, () => (rnd() - 0.5) * scale)), bias: new Array(o).fill(0) });
  const make = (id: string, out: number, head: 'softmax' | 'sigmoid' | 'none', bias?: number[]) => {
    const last = layer(out, 32, 0.1);
    if (bias) last.bias = bias;
    return encodeModel(buildMlp({ name: id, layers: [layer(32, 60, 0.3), last], head, outputName: 'out' }));
  };
  return { alpha: make('alpha:bench@1', 3, 'softmax'), risk: make('risk:bench@1', 3, 'none', [2, 3, 0.5]), guard: make('guard:bench@1', 1, 'sigmoid', [1]) };
}
