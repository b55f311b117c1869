/**
 * A small deterministic trainer for the demo models: a dense network with at most one
 * hidden ReLU layer and a softmax or sigmoid head, trained full-batch with Adam on float64
 * under a cross-entropy loss plus L2 on the weights (not the biases), for a fixed number of
 * epochs from a seeded initialisation. No randomness besides the seed, no data-dependent
 * iteration order, no threads: the same inputs give the same bits on the same machine.
 *
 * - softmax head: targets are one-hot rows (multi-class cross-entropy).
 * - sigmoid head: each output is an independent Bernoulli cross-entropy; targets may be
 *   fractions in [0, 1], in which case the minimiser is the conditional mean of the target
 *   (used by the risk model to regress scaled values into a bounded range).
 * Both give the same output gradient, (p − y) / rows.
 */
import { seededRandom } from '../../workers/util/seeded-random.ts';
import { scaleRows as scaleForModel } from '../../workers/models/chain/scaler.ts';


export interface Scaler {
  mean: number[];
  std: number[];
  /** Columns constant on the training rows: std is reported as 1 and the model gives them zero weight. */
  constant: boolean[];
}

/**
 * A training column whose standard deviation is at most this share of its magnitude
 * (max(1, |mean|)) counts as constant (e.g. trade-context columns that are always 0 in
 * training): below float32's resolution of the values, dividing by it would only blow
 * rounding noise, or a value never seen in training, up by orders of magnitude.
 */
export const CONSTANT_STD_SHARE = 1e-6;

/** Mean and (population) standard deviation per column over every row of a row-major matrix. */
export function fitScaler(values: Float64Array, cols: number): Scaler {
  const rows = values.length / cols;
  const mean = new Array<number>(cols).fill(0);
  const std = new Array<number>(cols).fill(0);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) mean[k] += values[r * cols + k];
  for (let k = 0; k < cols; k++) mean[k] /= rows;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const d = values[r * cols + k] - mean[k];
      std[k] += d * d;
    }
  }
  const constant = new Array<boolean>(cols).fill(false);
  for (let k = 0; k < cols; k++) {
    std[k] = Math.sqrt(std[k] / rows);
    if (!(std[k] > CONSTANT_STD_SHARE * Math.max(1, Math.abs(mean[k])))) {
      std[k] = 1;
      constant[k] = true;
    }
  }
  return { mean, std, constant };
}

/**
 * Rows standardised the way the engine feeds a model (`workers/models/chain/scaler.ts`):
 * (x − mean) / std in float64, then rounded to float32 (the model's input type). Training
 * on the float32-rounded inputs keeps training and inference on the same numbers.
 */
export function scaleRows(values: Float64Array, cols: number, s: Pick<Scaler, 'mean' | 'std'>): Float64Array {
  // The engine's own scaler, so training sees exactly the float32 inputs inference will.
  return Float64Array.from(scaleForModel(values, cols, s, new Float32Array(values.length)));
}

export type Head = 'softmax' | 'sigmoid';

/** A dense layer stored like nn.Linear: weights row-major [out][in]. */
export interface Layer {
  inputs: number;
  outputs: number;
  weights: Float64Array;
  bias: Float64Array;
}

export interface Net {
  /** One layer (linear model) or two (one hidden ReLU layer). */
  layers: Layer[];
  head: Head;
}

export interface TrainOptions {
  seed: number;
  /** Hidden ReLU units; 0 for a linear model (softmax / logistic regression). */
  hidden: number;
  head: Head;
  epochs: number;
  learningRate: number;
  /** L2 penalty: loss + l2 / 2 · Σ w² over weights (biases are not penalised). */
  l2: number;
  /** Input columns the model must ignore (their first-layer weights stay exactly 0). */
  frozenInputs?: readonly boolean[];
}

export interface TrainResult {
  net: Net;
  /** Training loss (cross-entropy + L2) before the first and after the last epoch. */
  initialLoss: number;
  finalLoss: number;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

function newLayer(inputs: number, outputs: number, limit: number, rnd: () => number): Layer {
  const weights = new Float64Array(outputs * inputs);
  for (let i = 0; i < weights.length; i++) weights[i] = (2 * rnd() - 1) * limit;
  return { inputs, outputs, weights, bias: new Float64Array(outputs) };
}

/** Per-layer activations of a forward pass over `rows` rows of x (row-major). */
function forward(net: Net, x: Float64Array, rows: number): Float64Array[] {
  const acts: Float64Array[] = [x];
  let a = x;
  net.layers.forEach((L, li) => {
    const relu = li < net.layers.length - 1;
    const z = denseForward(L.weights, L.bias, L.inputs, L.outputs, a, rows, relu);
    acts.push(z);
    a = z;
  });
  const out = acts[acts.length - 1];
  applyHead(net.head, out, rows, net.layers[net.layers.length - 1].outputs);
  return acts;
}

/** z = a · Wᵀ + b (then ReLU when asked), plain loops over locals so V8 keeps them tight. */
function denseForward(W: Float64Array, B: Float64Array, ni: number, no: number, a: Float64Array, rows: number, relu: boolean): Float64Array {
  const z = new Float64Array(rows * no);
  for (let r = 0; r < rows; r++) {
    const ao = r * ni;
    for (let o = 0; o < no; o++) {
      const wo = o * ni;
      // Four running sums (a fixed order, so still deterministic): about a third faster in V8.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 3 < ni; k += 4) {
        s0 += W[wo + k] * a[ao + k];
        s1 += W[wo + k + 1] * a[ao + k + 1];
        s2 += W[wo + k + 2] * a[ao + k + 2];
        s3 += W[wo + k + 3] * a[ao + k + 3];
      }
      for (; k < ni; k++) s0 += W[wo + k] * a[ao + k];
      const s = B[o] + (s0 + s1 + (s2 + s3));
      z[r * no + o] = relu && s < 0 ? 0 : s;
    }
  }
  return z;
}

/** gw += deltaᵀ · a, gb += Σ delta (gw, gb zeroed first). */
function denseGrad(delta: Float64Array, a: Float64Array, ni: number, no: number, rows: number, gw: Float64Array, gb: Float64Array): void {
  gw.fill(0);
  gb.fill(0);
  for (let r = 0; r < rows; r++) {
    const ao = r * ni;
    for (let u = 0; u < no; u++) {
      const d = delta[r * no + u];
      if (d === 0) continue;
      gb[u] += d;
      const wo = u * ni;
      for (let k = 0; k < ni; k++) gw[wo + k] += d * a[ao + k];
    }
  }
}

function applyHead(head: Head, z: Float64Array, rows: number, width: number): void {
  if (head === 'sigmoid') {
    for (let i = 0; i < z.length; i++) z[i] = 1 / (1 + Math.exp(-z[i]));
    return;
  }
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let m = -Infinity;
    for (let c = 0; c < width; c++) m = Math.max(m, z[o + c]);
    let s = 0;
    for (let c = 0; c < width; c++) s += z[o + c] = Math.exp(z[o + c] - m);
    for (let c = 0; c < width; c++) z[o + c] /= s;
  }
}

/** Head outputs (probabilities) for standardised rows, float64. */
export function predict(net: Net, x: Float64Array, rows: number): Float64Array {
  const acts = forward(net, x, rows);
  return acts[acts.length - 1];
}

const P_MIN = 1e-15;

/** Mean cross-entropy of head outputs p against targets y (the training loss without the L2 term). */
export function crossEntropy(head: Head, p: Float64Array, y: Float64Array, rows: number): number {
  let ce = 0;
  if (head === 'softmax') {
    for (let i = 0; i < p.length; i++) if (y[i] > 0) ce -= y[i] * Math.log(Math.max(p[i], P_MIN));
  } else {
    for (let i = 0; i < p.length; i++) ce -= y[i] * Math.log(Math.max(p[i], P_MIN)) + (1 - y[i]) * Math.log(Math.max(1 - p[i], P_MIN));
  }
  return ce / rows;
}

function loss(net: Net, p: Float64Array, y: Float64Array, rows: number, l2: number): number {
  let w2 = 0;
  for (const L of net.layers) for (const w of L.weights) w2 += w * w;
  return crossEntropy(net.head, p, y, rows) + (l2 / 2) * w2;
}

/**
 * Trains on `rows` standardised rows `x` (row-major, `cols` wide) against targets `y`
 * (row-major, `outputs` wide). Deterministic given its arguments.
 */
export function trainNet(x: Float64Array, y: Float64Array, rows: number, cols: number, outputs: number, o: TrainOptions): TrainResult {
  if (x.length !== rows * cols) throw new Error(`trainNet: x holds ${x.length} values, expected ${rows} x ${cols}`);
  if (y.length !== rows * outputs) throw new Error(`trainNet: y holds ${y.length} values, expected ${rows} x ${outputs}`);
  const rnd = seededRandom(o.seed);
  // He-uniform for a ReLU layer, Glorot-uniform for the output layer; biases start at 0.
  const layers: Layer[] =
    o.hidden > 0
      ? [newLayer(cols, o.hidden, Math.sqrt(6 / cols), rnd), newLayer(o.hidden, outputs, Math.sqrt(6 / (o.hidden + outputs)), rnd)]
      : [newLayer(cols, outputs, Math.sqrt(6 / (cols + outputs)), rnd)];
  const net: Net = { layers, head: o.head };
  const frozen = o.frozenInputs;
  const first = layers[0];
  if (frozen) for (let u = 0; u < first.outputs; u++) for (let k = 0; k < cols; k++) if (frozen[k]) first.weights[u * cols + k] = 0;

  const params = layers.flatMap((L) => [L.weights, L.bias]);
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  const grads = params.map((p) => new Float64Array(p.length));

  const initialLoss = loss(net, predict(net, x, rows), y, rows, o.l2);
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const acts = forward(net, x, rows);
    // Output gradient of either cross-entropy through its head: (p − y) / rows.
    let delta = new Float64Array(rows * outputs);
    const p = acts[acts.length - 1];
    for (let i = 0; i < delta.length; i++) delta[i] = (p[i] - y[i]) / rows;
    for (let li = layers.length - 1; li >= 0; li--) {
      const L = layers[li];
      const a = acts[li];
      const gw = grads[2 * li];
      const gb = grads[2 * li + 1];
      denseGrad(delta, a, L.inputs, L.outputs, rows, gw, gb);
      for (let i = 0; i < gw.length; i++) gw[i] += o.l2 * L.weights[i];
      if (li > 0) {
        // Back through the ReLU of the layer below: zero where its output was 0.
        const below = new Float64Array(rows * L.inputs);
        for (let r = 0; r < rows; r++) {
          for (let k = 0; k < L.inputs; k++) {
            if (a[r * L.inputs + k] <= 0) continue;
            let s = 0;
            for (let u = 0; u < L.outputs; u++) s += delta[r * L.outputs + u] * L.weights[u * L.inputs + k];
            below[r * L.inputs + k] = s;
          }
        }
        delta = below;
      }
    }
    if (frozen) for (let u = 0; u < first.outputs; u++) for (let k = 0; k < cols; k++) if (frozen[k]) grads[0][u * cols + k] = 0;
    // Adam with bias correction.
    const c1 = 1 - Math.pow(BETA1, epoch);
    const c2 = 1 - Math.pow(BETA2, epoch);
    params.forEach((p, pi) => {
      const g = grads[pi];
      const mm = m[pi];
      const vv = v[pi];
      for (let i = 0; i < p.length; i++) {
        mm[i] = BETA1 * mm[i] + (1 - BETA1) * g[i];
        vv[i] = BETA2 * vv[i] + (1 - BETA2) * g[i] * g[i];
        p[i] -= (o.learningRate * (mm[i] / c1)) / (Math.sqrt(vv[i] / c2) + EPS);
      }
    });
  }
  return { net, initialLoss, finalLoss: loss(net, predict(net, x, rows), y, rows, o.l2) };
}

/** The net as nn.Linear-style nested arrays (what `buildMlp` takes). */
export function denseLayers(net: Net): { weights: number[][]; bias: number[] }[] {
  return net.layers.map((L) => ({
    weights: Array.from({ length: L.outputs }, (_, o) => Array.from(L.weights.subarray(o * L.inputs, (o + 1) * L.inputs))),
    bias: Array.from(L.bias),
  }));
}

/** A copy of the net with every parameter rounded to float32, as the ONNX file stores it. */
export function toFloat32(net: Net): Net {
  return {
    head: net.head,
    layers: net.layers.map((L) => ({ ...L, weights: Float64Array.from(L.weights, Math.fround), bias: Float64Array.from(L.bias, Math.fround) })),
  };
}
