import { startBrowserHarness } from '../tests/browser/harness.ts';
import { createOrtSession } from '../workers/models/inference/session.ort.ts';
import type { BenchApi, BenchRequest, BenchResponse } from '../tests/browser/fixture/bench-protocol.ts';
import { quantile, type BenchRow } from './lib.ts';
import { chainModelBytes } from './chain-models.ts';

/**
 * The three demo-size models of models.bench.ts (alpha 60->32->3 softmax, risk 60->32->3,
 * guard 60->32->1 sigmoid) on a 5-row batch, run sequentially per step as the engine does,
 * in a Chromium dedicated worker (session.ort.ts, onnxruntime-web wasm) against the same
 * runs in Node in the same bench run. Inference only: no features, no engine.
 *
 * The page is served by a Vite dev server on 127.0.0.1 with COOP/COEP (crossOriginIsolated,
 * so the worker's performance.now is fine-grained), from tests/browser/fixture/bench.html;
 * the worker times each step itself, so postMessage is not in the figures. Chromium is the one
 * tests/browser/chromium.ts resolves (named on stderr), with a temp profile; requests leave only to loopback.
 */
const STEPS = 3000;
const DISCARD = 500;

function modelBytes(): Uint8Array[] {
  const m = chainModelBytes();
  return [m.alpha, m.risk, m.guard];
}

async function inNode(models: Uint8Array[], x: Float32Array): Promise<number[]> {
  const sessions = [];
  for (const [k, m] of models.entries()) sessions.push(await createOrtSession(m, { label: `bench-${k}` }));
  const feeds = { features: { data: x, dims: [5, 60] } };
  const us: number[] = [];
  try {
    for (let i = 0; i < STEPS; i++) {
      const t0 = performance.now();
      for (const s of sessions) await s.run(feeds);
      const dt = (performance.now() - t0) * 1000;
      if (i >= DISCARD) us.push(dt);
    }
  } finally {
    for (const s of sessions) await s.release();
  }
  return us;
}

const base64 = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

async function inChromium(models: Uint8Array[], x: Float32Array): Promise<{ us: number[]; numThreads: number | undefined; setupMs: number }> {
  const t0 = performance.now();
  const harness = await startBrowserHarness(['bench.html', 'bench-worker.ts']);
  try {
    const page = await harness.open('bench.html', 'tradeguardBench');
    const isolated = await page.evaluate(() => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true);
    if (!isolated) throw new Error('bench page is not crossOriginIsolated (COOP/COEP headers missing?)');
    const setupMs = performance.now() - t0;
    const request: BenchRequest = { models: models.map(base64), input: base64(x), inputName: 'features', dims: [5, 60], steps: STEPS, discard: DISCARD };
    const res: BenchResponse = await page.evaluate((req) => (globalThis as unknown as { tradeguardBench: BenchApi }).tradeguardBench.run(req), request);
    if (!res.ok) throw new Error(`browser bench worker failed: ${res.error.name}: ${res.error.message}`);
    if (harness.blocked.length) throw new Error(`the bench page asked for non-loopback URLs: ${harness.blocked.join(', ')}`);
    return { us: res.stepUs, numThreads: res.numThreads, setupMs };
  } finally {
    await harness.close();
  }
}

export default async function (): Promise<BenchRow[]> {
  const models = modelBytes();
  const x = new Float32Array(5 * 60).map((_, i) => Math.sin(i));
  // Node first, while Chromium and Vite are not yet running (2 cores: they would compete).
  const node = await inNode(models, x);
  const browser = await inChromium(models, x);
  process.stdout.write(`(vite + chromium + page ready: ${browser.setupMs.toFixed(0)} ms; worker ort numThreads=${browser.numThreads}; ${browser.us.length} steps kept of ${STEPS})\n`);
  const name = (q: string) => `alpha + risk + guard inference only (no features), 5 rows x 60 f32, Chromium web worker (wasm), ${q}`;
  const peer = (q: string) => `same 3 session.run calls in Node (createOrtSession), ${q}`;
  return [
    { name: name('p50'), value: quantile(browser.us, 0.5), unit: 'µs', higherIsBetter: false, peer: peer('p50'), peerValue: quantile(node, 0.5) },
    { name: name('p99'), value: quantile(browser.us, 0.99), unit: 'µs', higherIsBetter: false, peer: peer('p99'), peerValue: quantile(node, 0.99) },
  ];
}
