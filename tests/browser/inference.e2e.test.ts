/**
 * The inference seam in a real browser: the project's session.ort.ts (onnxruntime-web,
 * wasm backend) runs in a Chromium dedicated worker, served by a Vite dev server from
 * tests/browser/fixture, and must give the same numbers as the same model in Node.
 *
 * Chromium: the system's when there is one, else the one npm ci installed (@sparticuz/chromium);
 * TRADEGUARD_BROWSER=bundled|system or TRADEGUARD_CHROMIUM=/path choose (tests/browser/chromium.ts).
 * It is part of `npm test` on purpose: there is no skip.
 */
import { readFileSync } from 'node:fs';
import type { ModelManifest } from '../../workers/models/bundle/manifest.ts';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startBrowserHarness, type BrowserHarness } from './harness.ts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildMlp, buildTreeClassifier, type DenseLayer, type TreeNode } from '../../workers/models/onnx/builder.ts';
import { encodeModel } from '../../workers/models/onnx/codec.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { OutputTensor } from '../../workers/models/inference/session.ts';
import { buildFeatureMatrix, getFeatureSpec } from '../../workers/features/spec/index.ts';
import { scaleRows } from '../../workers/models/chain/scaler.ts';
import { seededRandom } from '../../bench/lib.ts';
import { bundled } from '../helpers/bundled.ts';
import { seededBytes } from '../models/helpers.ts';
import type { FixtureApi, PlainTensor, RunRequest, RunResponse, RunResult } from './fixture/protocol.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let harness: BrowserHarness;
let page: Page;
let origin: string;
let blocked: string[];
/** Every URL the browser asked for (page and worker), to show where ort's wasm came from. */
const requested: string[] = [];
const timings: string[] = [];

beforeAll(async () => {
  const t0 = performance.now();
  harness = await startBrowserHarness(['index.html', 'worker.ts']);
  origin = harness.origin;
  blocked = harness.blocked;
  page = await openFixture(harness.context.pages()[0] ?? (await harness.context.newPage()));
  timings.push(`vite + chromium launch + page ready: ${(performance.now() - t0).toFixed(0)} ms`);
});

/** Loads the fixture page (which starts its inference worker) and waits until it is ready. */
function openFixture(p: Page): Promise<Page> {
  p.on('request', (r) => requested.push(r.url()));
  return harness.open('index.html', 'tradeguardFixture', p);
}

afterAll(async () => {
  await harness?.close();
  if (process.env.TRADEGUARD_E2E_DEBUG) console.info(requested.join('\n'));
  if (timings.length) console.info(`browser inference e2e:\n  ${timings.join('\n  ')}`);
});

function inBrowser(request: RunRequest, on: Page = page): Promise<RunResponse> {
  return on.evaluate((req) => (globalThis as unknown as { tradeguardFixture: FixtureApi }).tradeguardFixture.run(req), request);
}

async function inBrowserOk(request: RunRequest, on: Page = page): Promise<RunResult> {
  const res = await inBrowser(request, on);
  if (!res.ok) throw new Error(`browser worker failed: ${res.error.name}: ${res.error.message}`);
  return res;
}

async function inNode(model: Uint8Array, label: string, feeds: Record<string, { data: Float32Array; dims: number[] }>) {
  const t0 = performance.now();
  const session = await createOrtSession(model, { label });
  const t1 = performance.now();
  try {
    const outputs = await session.run(feeds);
    return { outputs, loadMs: t1 - t0, runMs: performance.now() - t1, inputNames: session.inputNames, outputNames: session.outputNames };
  } finally {
    await session.release();
  }
}

const base64 = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

function request(model: Uint8Array, label: string, feeds: Record<string, { data: Float32Array; dims: number[] }>): RunRequest {
  const plainFeeds: RunRequest['feeds'] = {};
  for (const [name, f] of Object.entries(feeds)) plainFeeds[name] = { data: base64(f.data), dims: f.dims };
  return { model: base64(model), label, feeds: plainFeeds };
}

/** A browser output back as the typed array onnxruntime gave the worker. */
function decode(t: PlainTensor): Float32Array | BigInt64Array {
  expect(t.bytes, `${t.type} output has bytes`).toBeTypeOf('string');
  const raw = Buffer.from(t.bytes!, 'base64');
  const bytes = new Uint8Array(raw.byteLength);
  bytes.set(raw); // aligned copy
  if (t.type === 'float32') return new Float32Array(bytes.buffer);
  if (t.type === 'int64') return new BigInt64Array(bytes.buffer);
  throw new Error(`no decoder for output type ${t.type}`);
}

/** Compares a browser output with Node's: whether it is bit-exact, and the largest difference. */
function compare(name: string, browser: PlainTensor, node: OutputTensor): { exact: boolean; maxDiff: number; count: number; why: string } {
  expect(browser.type, `${name} type`).toBe(node.type);
  expect(browser.dims, `${name} dims`).toEqual(node.dims);
  const b = decode(browser);
  if (node.data instanceof BigInt64Array) {
    expect(Array.from(b as BigInt64Array), `${name} int64 values`).toEqual(Array.from(node.data));
    return { exact: true, maxDiff: 0, count: node.data.length, why: '' };
  }
  expect(node.data, `${name} is float32 in Node`).toBeInstanceOf(Float32Array);
  const n = node.data as Float32Array;
  expect(b.length, `${name} length`).toBe(n.length);
  let maxDiff = 0;
  let differing = 0;
  let why = '';
  for (let i = 0; i < n.length; i++) {
    const x = (b as Float32Array)[i];
    if (Object.is(x, n[i])) continue;
    if (differing++ === 0) why = `${name}[${i}]: browser ${x}, Node ${n[i]}`;
    maxDiff = Math.max(maxDiff, Number.isNaN(x) || Number.isNaN(n[i]) ? Infinity : Math.abs(x - n[i]));
  }
  if (differing) why = `${differing} of ${n.length} values differ, max |diff| ${maxDiff}; first ${why}`;
  return { exact: differing === 0, maxDiff, count: n.length, why };
}

// Real-ish inputs: risk-obs-v1 features of every bundled EURUSD bar after the warm-up,
// standardised with the data's own mean/std (as a trainer would), as float32 [N, 60].
const spec = getFeatureSpec('risk-obs-v1');
const matrix = buildFeatureMatrix(spec, bundled('EURUSD'));
const F = matrix.cols;
const live = matrix.values.subarray(spec.warmup * F, matrix.rows * F);
const N = live.length / F;
const mean = new Array<number>(F).fill(0);
const std = new Array<number>(F).fill(0);
for (let r = 0; r < N; r++) for (let k = 0; k < F; k++) mean[k] += live[r * F + k] / N;
for (let r = 0; r < N; r++) for (let k = 0; k < F; k++) std[k] += (live[r * F + k] - mean[k]) ** 2 / N;
for (let k = 0; k < F; k++) std[k] = Math.sqrt(std[k]) || 1;
const X = scaleRows(live, F, { mean, std }, new Float32Array(live.length));

const rnd = seededRandom(20240611);
function dense(out: number, inp: number, scale: number): DenseLayer {
  return {
    weights: Array.from({ length: out }, () => Array.from({ length: inp }, () => (rnd() - 0.5) * 2 * scale)),
    bias: Array.from({ length: out }, () => (rnd() - 0.5) * 0.2),
  };
}

const MLP = encodeModel(buildMlp({ name: 'alpha-e2e', layers: [dense(32, 60, 0.3), dense(16, 32, 0.4), dense(3, 16, 0.6)], head: 'softmax' }));

describe('the inference seam in a Chromium web worker gives the same numbers as in Node', () => {
  it('the fixture page is cross-origin isolated and loads nothing from outside loopback', async () => {
    const isolated = await page.evaluate(() => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true);
    expect(isolated).toBe(true);
    expect(blocked).toEqual([]);
  });

  it('an MLP (60 -> 32 -> 16 -> 3 softmax) on real EURUSD risk-obs-v1 rows: equal outputs', async () => {
    expect(F).toBe(60);
    expect(N).toBeGreaterThan(1000);
    const model = MLP;
    const feeds = { features: { data: X, dims: [N, F] } };

    const node = await inNode(model, 'alpha-e2e', feeds);
    const browser = await inBrowserOk(request(model, 'alpha-e2e', feeds));
    timings.push(`first session load (MLP, includes wasm init): browser ${browser.loadMs.toFixed(0)} ms (first in worker: ${browser.firstSession}), Node ${node.loadMs.toFixed(0)} ms`);
    timings.push(`MLP run, ${N} rows: browser ${browser.runMs.toFixed(1)} ms, Node ${node.runMs.toFixed(1)} ms`);
    timings.push(`worker: crossOriginIsolated=${browser.crossOriginIsolated}, ort numThreads=${browser.numThreads}`);

    expect(browser.inputNames).toEqual([...node.inputNames]);
    expect(browser.outputNames).toEqual([...node.outputNames]);
    expect(Object.keys(browser.outputs)).toEqual(Object.keys(node.outputs));
    const c = compare('probabilities', browser.outputs.probabilities, node.outputs.probabilities);
    timings.push(`MLP probabilities: ${c.count} float32 values, ${c.exact ? 'bit-exact' : `NOT bit-exact: ${c.why}`}`);
    expect(c.maxDiff, c.why).toBeLessThanOrEqual(1e-6);
    // Same onnxruntime-web build, same wasm, single thread on both sides: expected bit-exact.
    if (browser.numThreads === 1) expect(c.exact, c.why).toBe(true);
  });

  it('a TreeEnsembleClassifier (ai.onnx.ml, softmax) on the same rows, NaN warm-up rows included: equal labels and scores', async () => {
    // Thresholds are feature values of random real rows, so the splits actually split.
    const tree = (depth: number): TreeNode => {
      if (depth === 0) return { leaf: [rnd() - 0.5, rnd() - 0.5, rnd() - 0.5] };
      const feature = Math.floor(rnd() * F);
      const threshold = X[Math.floor(rnd() * N) * F + feature];
      const mode = (['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT'] as const)[Math.floor(rnd() * 4)];
      return { feature, threshold, mode, missingGoesTrue: rnd() < 0.5, ifTrue: tree(depth - 1), ifFalse: tree(depth - 1) };
    };
    const model = encodeModel(buildTreeClassifier({
      name: 'regime-e2e', featureCount: F, classLabels: [-1, 0, 1], postTransform: 'SOFTMAX',
      trees: Array.from({ length: 40 }, () => tree(5)),
    }));
    // The warm-up rows (NaN features) first: missing values take each node's missing branch.
    const warm = scaleRows(matrix.values.subarray(0, spec.warmup * F), F, { mean, std }, new Float32Array(spec.warmup * F));
    const rows = new Float32Array(warm.length + X.length);
    rows.set(warm);
    rows.set(X, warm.length);
    expect(rows.some(Number.isNaN)).toBe(true);
    const feeds = { features: { data: rows, dims: [rows.length / F, F] } };

    const node = await inNode(model, 'regime-e2e', feeds);
    const browser = await inBrowserOk(request(model, 'regime-e2e', feeds));
    timings.push(`tree classifier (40 trees, depth 5), ${rows.length / F} rows: load browser ${browser.loadMs.toFixed(1)} ms / Node ${node.loadMs.toFixed(1)} ms, run browser ${browser.runMs.toFixed(1)} ms / Node ${node.runMs.toFixed(1)} ms`);

    expect(browser.outputNames).toEqual(['label', 'probabilities']);
    const labels = compare('label', browser.outputs.label, node.outputs.label);
    const probs = compare('probabilities', browser.outputs.probabilities, node.outputs.probabilities);
    timings.push(`tree labels: ${labels.count} int64 equal; probabilities: ${probs.count} float32 values, ${probs.exact ? 'bit-exact' : `NOT bit-exact: ${probs.why}`}`);
    expect(new Set(Array.from(decode(browser.outputs.label) as BigInt64Array)).size).toBeGreaterThan(1); // the trees do discriminate
    expect(probs.maxDiff, probs.why).toBeLessThanOrEqual(1e-6);
    if (browser.numThreads === 1) expect(probs.exact, probs.why).toBe(true);
  });

  it('the same MLP with 2 wasm threads (what pickThreads picks on a 4-core crossOriginIsolated machine): equal outputs', async () => {
    // A fresh page, hence a fresh worker whose first session sets the thread count.
    const threaded = await openFixture(await harness.context.newPage());
    try {
      const feeds = { features: { data: X, dims: [N, F] } };
      const node = await inNode(MLP, 'alpha-e2e', feeds);
      const browser = await inBrowserOk({ ...request(MLP, 'alpha-e2e', feeds), numThreads: 2 }, threaded);
      expect(browser.crossOriginIsolated).toBe(true);
      expect(browser.numThreads).toBe(2);
      const c = compare('probabilities', browser.outputs.probabilities, node.outputs.probabilities);
      timings.push(`MLP with 2 threads: first load ${browser.loadMs.toFixed(0)} ms, run ${browser.runMs.toFixed(1)} ms; ${c.exact ? 'bit-exact' : `NOT bit-exact: ${c.why}`} vs Node (1 thread)`);
      expect(c.maxDiff, c.why).toBeLessThanOrEqual(1e-6);
    } finally {
      await threaded.close();
    }
  });

  it('the shipped demo bundles (public/models/demo alpha, risk, guard) with their own scalers: equal outputs', async () => {
    for (const role of ['alpha', 'risk', 'guard'] as const) {
      const dir = fileURLToPath(new URL(`../../public/models/demo/${role}/`, import.meta.url));
      const bundle = new Uint8Array(readFileSync(dir + 'model.onnx'));
      const manifest = JSON.parse(readFileSync(dir + 'manifest.json', 'utf8')) as ModelManifest;
      const x = scaleRows(live, F, manifest.scaler, new Float32Array(live.length));
      const feeds = { [manifest.input.name]: { data: x, dims: [N, F] } };
      const node = await inNode(bundle, `demo-${role}`, feeds);
      const browser = await inBrowserOk(request(bundle, `demo-${role}`, feeds));
      expect(Object.keys(browser.outputs)).toEqual(Object.keys(node.outputs));
      for (const name of Object.keys(node.outputs)) {
        const c = compare(name, browser.outputs[name], node.outputs[name]);
        timings.push(`demo ${role} ${name}: ${c.count} values, ${c.exact ? 'bit-exact' : `max diff ${c.maxDiff}`}`);
        expect(c.maxDiff, c.why).toBeLessThanOrEqual(1e-6);
        if (browser.numThreads === 1) expect(c.exact, c.why).toBe(true);
      }
    }
  });

  it('a broken model (random bytes) fails with the same clear message in the worker as in Node', async () => {
    const garbage = seededBytes(7, 200);
    let nodeError: Error | undefined;
    try {
      await createOrtSession(garbage, { label: 'garbage' });
    } catch (e) {
      nodeError = e as Error;
    }
    expect(nodeError?.name).toBe('ModelLoadError');
    const res = await inBrowser({ model: base64(garbage), label: 'garbage', feeds: {} });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.message).toMatch(/^model 'garbage' failed to load: not an ONNX model: /);
    expect(res.error).toEqual({ name: 'ModelLoadError', message: nodeError!.message });
  });

  it('onnxruntime fetched its wasm from the local server (the worker saw no outside network)', () => {
    const wasm = requested.filter((u) => /ort-wasm[^/]*\.wasm(\?|$)/.test(u));
    timings.push(`ort wasm fetched from: ${wasm.map((u) => u.replace(origin, '<origin>')).join(', ') || 'not seen by page.on(request)'}`);
    expect(wasm.length).toBeGreaterThan(0);
    for (const u of wasm) expect(u.startsWith(`${origin}/`)).toBe(true);
    expect(blocked).toEqual([]);
  });
});
