/**
 * The inference seam: what the engine's model stages (Alpha -> Risk -> TradeGuard) call,
 * whatever runs the model underneath. One implementation per platform lives next to this
 * file (`session.ort.ts`: onnxruntime-web's wasm backend, for Node and for browser workers);
 * tests and the engine depend on this interface only.
 */

/** What a caller feeds: features are always float32, row-major, batch first ([N, F]). */
export interface FeedTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** What a model returns. Classifiers give int64 labels (BigInt64Array) beside float scores. */
export type OutputData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | string[];

export interface OutputTensor {
  data: OutputData;
  dims: number[];
  /** The runtime's element type name: 'float32', 'int64', ... */
  type: string;
}

export interface InferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Where it runs: 'wasm' (everywhere), or 'webgpu' when asked for and the device has it. */
  readonly backend: 'wasm' | 'webgpu';
  /** Why it runs elsewhere than asked (e.g. WebGPU unavailable): shown to the user beside the model. */
  readonly note?: string;
  /** Runs the model once; rejects with an Error naming the bad feed or the runtime failure. */
  run(feeds: Record<string, FeedTensor>): Promise<Record<string, OutputTensor>>;
  /** Frees the runtime's memory (wasm heap); the session cannot run afterwards. */
  release(): Promise<void>;
}

export interface SessionOptions {
  /** Shown in error messages ("model 'alpha-v3' failed to load: ..."). */
  label?: string;
}

/** Loads a model from .onnx bytes into a runnable session. */
export type CreateSession = (model: Uint8Array, options?: SessionOptions) => Promise<InferenceSession>;

/** A model the runtime refused: bad bytes, an unknown operator, a type mismatch. */
export class ModelLoadError extends Error {
  constructor(
    message: string,
    /** The operator the runtime did not know, as 'domain:OpType' (domain '' for ai.onnx), when that was the cause. */
    readonly unknownOp: string | null = null,
  ) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

/** Checks feeds against the declared input names and their shapes against their data. */
export function checkFeeds(label: string, inputNames: readonly string[], feeds: Record<string, FeedTensor>): void {
  for (const name of inputNames) if (!(name in feeds)) throw new Error(`model '${label}': missing input '${name}' (inputs: ${inputNames.join(', ')})`);
  for (const [name, t] of Object.entries(feeds)) {
    if (!inputNames.includes(name)) throw new Error(`model '${label}': unknown input '${name}' (inputs: ${inputNames.join(', ')})`);
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (t.data.length !== count) throw new Error(`model '${label}': input '${name}' has ${t.data.length} values for dims [${t.dims.join(', ')}] (expected ${count})`);
  }
}
