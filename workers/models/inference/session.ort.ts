import * as ort from 'onnxruntime-web/wasm';
import { decodeModel } from '../onnx/codec.ts';
import { ModelLoadError, checkFeeds, type CreateSession, type FeedTensor, type InferenceSession, type OutputData, type OutputTensor, type SessionOptions } from './session.ts';

/**
 * The inference seam on onnxruntime-web's wasm backend. The same file serves Node (tests,
 * CLI, relay) and browser workers: no node: imports, no DOM. In Node the package finds its
 * .wasm itself (dist/ort-wasm-simd-threaded.wasm next to the bundle, via import.meta.url).
 */

export interface OrtSessionOptions extends SessionOptions {
  /**
   * Overrides the thread count chosen by `pickThreads`. Applies only before the first
   * session: onnxruntime-web initialises its wasm module once per process/worker.
   */
  numThreads?: number;
  /**
   * Run on WebGPU when the device has it (the user's choice; off by default). Without it,
   * or when it fails to start, the session runs on wasm and says why in `note`.
   */
  webgpu?: boolean;
}

/**
 * numThreads must always be set explicitly. Left unset, onnxruntime-web 1.30 in Node calls
 * require('node:os') from its ESM bundle and fails ("no available backend found ...
 * Dynamic require of node:os is not supported"); numThreads > 1 in Node fails too (the
 * thread workers are fetched by URL: "fetch failed"). Threads only work in a browser
 * context that is crossOriginIsolated (SharedArrayBuffer), so that is the only case that
 * gets more than one.
 */
export function pickThreads(): number {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number }; process?: unknown };
  if (g.process !== undefined || g.crossOriginIsolated !== true) return 1;
  return Math.max(1, Math.min(4, Math.ceil((g.navigator?.hardwareConcurrency ?? 1) / 2)));
}

let configured = false;
function configure(numThreads: number | undefined): void {
  if (configured) return;
  configured = true;
  ort.env.wasm.numThreads = numThreads ?? pickThreads();
}

export const createOrtSession = async (model: Uint8Array, options: OrtSessionOptions = {}): Promise<InferenceSession> => {
  configure(options.numThreads);
  const label = options.label ?? 'model';
  let note: string | undefined;
  if (options.webgpu) {
    const gpu = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;
    if (!gpu) note = 'WebGPU is not available on this device; running on wasm';
    else {
      try {
        // The WebGPU build is a separate, larger bundle: loaded only when asked for.
        const webgpu = await import('onnxruntime-web/webgpu');
        const s = await webgpu.InferenceSession.create(model, { executionProviders: ['webgpu'] });
        return new OrtSession(label, s as unknown as ort.InferenceSession, 'webgpu');
      } catch (e) {
        note = `WebGPU failed to start (${runtimeMessage(e)}); running on wasm`;
      }
    }
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model);
  } catch (e) {
    throw loadError(label, model, e);
  }
  return new OrtSession(label, session, 'wasm', note);
};

/** A run is in flight on the wasm instance; the runs waiting for it, in call order (see OrtSession.run). */
let busy = false;
const waiting: (() => void)[] = [];

class OrtSession implements InferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];

  constructor(
    private readonly label: string,
    private readonly session: ort.InferenceSession,
    readonly backend: 'wasm' | 'webgpu',
    readonly note?: string,
  ) {
    this.inputNames = [...session.inputNames];
    this.outputNames = [...session.outputNames];
  }

  run(feeds: Record<string, FeedTensor>): Promise<Record<string, OutputTensor>> {
    // One run at a time per wasm instance (all the sessions of a process or worker): onnxruntime-web
    // 1.30 keeps a run's input and output pointer arrays on the wasm stack across its awaits and
    // then restores the stack pointer, so a second run in flight (concurrent backtests) has its
    // arrays freed under it: "Cannot read properties of null (reading '3')" or another run's data.
    const ortFeeds: Record<string, ort.Tensor> = {};
    try {
      checkFeeds(this.label, this.inputNames, feeds);
      // A run that waits copies its inputs now: the runtime copies them at the call (the caller may reuse its buffer).
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', busy ? t.data.slice() : t.data, [...t.dims]);
    } catch (e) {
      return Promise.reject(e);
    }
    if (!busy) {
      busy = true;
      return this.runNow(ortFeeds);
    }
    return new Promise<void>((go) => waiting.push(go)).then(() => this.runNow(ortFeeds));
  }

  /** Runs with the instance to itself, then hands it to the next waiting run. */
  private async runNow(ortFeeds: Record<string, ort.Tensor>): Promise<Record<string, OutputTensor>> {
    try {
      let results: ort.InferenceSession.OnnxValueMapType;
      try {
        results = await this.session.run(ortFeeds);
      } catch (e) {
        throw new Error(`model '${this.label}': run failed: ${runtimeMessage(e)}`);
      }
      const out: Record<string, OutputTensor> = {};
      for (const [name, t] of Object.entries(results)) {
        // Tensors computed on the wasm backend are already copied into JS memory ('cpu').
        out[name] = { data: t.data as OutputData, dims: [...t.dims], type: t.type };
      }
      return out;
    } finally {
      const next = waiting.shift();
      if (next) next();
      else busy = false;
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** onnxruntime's text without its "Can't create a session. ERROR_CODE: n, ERROR_MESSAGE:" wrapper. */
function runtimeMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/^.*?ERROR_MESSAGE:\s*/s, '').trim();
}

/**
 * Turns a load failure into a message that says what is wrong with the model. onnxruntime
 * 1.30 words an unknown op two ways:
 * - custom domain: "Fatal error: com.example:Foo(-1) is not a registered function/op"
 * - default domain: "No Op registered for Foo with domain_version of 17"
 */
function loadError(label: string, model: Uint8Array, e: unknown): ModelLoadError {
  const raw = runtimeMessage(e);
  const custom = /Fatal error: ([\w.]*):(\w+)\(-?\d+\) is not a registered function\/op/.exec(raw);
  const standard = /No Op registered for (\w+) with domain_version of (\d+)/.exec(raw);
  if (custom || standard) {
    const domain = custom ? custom[1] : domainOfOp(model, standard![1]);
    const op = custom ? custom[2] : standard![1];
    const where = domain === '' ? 'ai.onnx' : domain;
    return new ModelLoadError(`model '${label}' failed to load: unknown operator '${op}' in domain '${where}' (onnxruntime: ${raw})`, `${domain}:${op}`);
  }
  // Bytes that are not a model at all get the codec's clearer explanation.
  try {
    decodeModel(model);
  } catch (codecError) {
    return new ModelLoadError(`model '${label}' failed to load: ${(codecError as Error).message} (onnxruntime: ${raw})`);
  }
  return new ModelLoadError(`model '${label}' failed to load: ${raw}`);
}

function domainOfOp(model: Uint8Array, op: string): string {
  try {
    return decodeModel(model).nodes.find((n) => n.opType === op)?.domain ?? '';
  } catch {
    return '';
  }
}
