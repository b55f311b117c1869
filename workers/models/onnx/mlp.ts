import { DataType } from './onnx-schema.ts';
import { GraphBuilder, attr, floatTensor } from './graph-builder.ts';
import type { OnnxAttributeValue, OnnxModel } from './model.ts';

/**
 * A dense layer as PyTorch's nn.Linear stores it: `weights[out][in]`, `bias[out]`. The Gemm
 * node uses transB=1 so the matrix goes in as written: y = x * W^T + b.
 */
export interface DenseLayer {
  weights: number[][];
  bias: number[];
}

/**
 * 'softmax': class probabilities (classifier); 'sigmoid': independent probabilities in (0, 1);
 * 'tanh': a score in (-1, 1) (e.g. a position signal); 'none': raw outputs.
 */
export type MlpHead = 'softmax' | 'sigmoid' | 'tanh' | 'none';

export interface MlpSpec {
  name: string;
  /** Hidden layers get a Relu after them; the last layer feeds the head. */
  layers: DenseLayer[];
  head: MlpHead;
  inputName?: string;
  outputName?: string;
  producerName?: string;
}

const HEAD_OPS: Record<Exclude<MlpHead, 'none'>, string> = { softmax: 'Softmax', sigmoid: 'Sigmoid', tanh: 'Tanh' };

/** Input [N, in] float -> Gemm -> Relu -> ... -> Gemm -> head -> output [N, out] float. */
export function buildMlp(spec: MlpSpec): OnnxModel {
  if (spec.layers.length === 0) throw new Error(`MLP '${spec.name}' has no layers`);
  const inputName = spec.inputName ?? 'features';
  const outputName = spec.outputName ?? (spec.head === 'softmax' ? 'probabilities' : 'output');
  const inSize = layerSizes(spec.layers[0], spec.name, 0).inSize;
  const g = new GraphBuilder({ name: spec.name, producerName: spec.producerName });
  g.input(inputName, DataType.FLOAT, ['N', inSize]);

  let x = inputName;
  let width = inSize;
  spec.layers.forEach((layer, i) => {
    const { inSize: lin, outSize } = layerSizes(layer, spec.name, i);
    if (lin !== width) throw new Error(`MLP '${spec.name}': layer ${i} takes ${lin} inputs but receives ${width}`);
    const w = g.initializer(floatTensor(`layer${i}.weight`, [outSize, lin], layer.weights.flat()));
    const b = g.initializer(floatTensor(`layer${i}.bias`, [outSize], layer.bias));
    const last = i === spec.layers.length - 1;
    const gemmOut = last && spec.head === 'none' ? outputName : `layer${i}.out`;
    [x] = g.node('Gemm', [x, w, b], [gemmOut], { transB: attr.int(1) });
    if (!last) [x] = g.node('Relu', [x], [`layer${i}.relu`]);
    width = outSize;
  });

  if (spec.head !== 'none') {
    // Softmax over the class axis; opset 13+ defaults to axis -1, stated anyway for readers.
    const attrs: Record<string, OnnxAttributeValue> = spec.head === 'softmax' ? { axis: attr.int(-1) } : {};
    g.node(HEAD_OPS[spec.head], [x], [outputName], attrs);
  }
  g.output(outputName, DataType.FLOAT, ['N', width]);
  return g.build();
}

function layerSizes(layer: DenseLayer, name: string, i: number): { inSize: number; outSize: number } {
  const outSize = layer.weights.length;
  const inSize = layer.weights[0]?.length ?? 0;
  if (outSize === 0 || inSize === 0) throw new Error(`MLP '${name}': layer ${i} has an empty weight matrix`);
  if (layer.weights.some((row) => row.length !== inSize)) throw new Error(`MLP '${name}': layer ${i} weight rows differ in length`);
  if (layer.bias.length !== outSize) throw new Error(`MLP '${name}': layer ${i} has ${layer.bias.length} biases for ${outSize} outputs`);
  return { inSize, outSize };
}
