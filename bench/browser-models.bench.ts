import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
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
 * the worker times each step itself, so postMessage is not in the figures. Chromium is
 * /usr/bin/chromium (or TRADEGUARD_CHROMIUM) with a temp profile; requests leave only to loopback.
 */
const CHROMIUM = process.env.TRADEGUARD_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../tests/browser/fixture', import.meta.url));
const COOP_COEP = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
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
  const profile = await mkdtemp(join(tmpdir(), 'tradeguard-bench-chromium-'));
  const cacheDir = await mkdtemp(join(tmpdir(), 'tradeguard-bench-vite-'));
  let server: ViteDevServer | undefined;
  let context: BrowserContext | undefined;
  const blocked: string[] = [];
  try {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium or set TRADEGUARD_CHROMIUM`);
    server = await createServer({
      configFile: false,
      root: FIXTURE,
      cacheDir,
      logLevel: 'warn',
      clearScreen: false,
      appType: 'mpa',
      server: { host: '127.0.0.1', port: 0, headers: COOP_COEP, hmr: false, ws: false, watch: null, fs: { strict: true, allow: [ROOT] } },
      optimizeDeps: { entries: ['bench.html', 'bench-worker.ts'], include: ['protobufjs/light.js'], exclude: ['onnxruntime-web'] },
    });
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('vite dev server has no TCP address');
    const origin = `http://127.0.0.1:${address.port}`;

    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
      blocked.push(route.request().url());
      return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(`${origin}/bench.html`);
    try {
      await page.waitForFunction(() => (globalThis as { tradeguardBench?: unknown }).tradeguardBench !== undefined, undefined, { timeout: 60_000 });
    } catch (e) {
      throw new Error(`bench page did not start: ${(e as Error).message}; page errors: ${pageErrors.join(' | ') || 'none'}`);
    }
    const isolated = await page.evaluate(() => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true);
    if (!isolated) throw new Error('bench page is not crossOriginIsolated (COOP/COEP headers missing?)');
    const setupMs = performance.now() - t0;

    const request: BenchRequest = { models: models.map(base64), input: base64(x), inputName: 'features', dims: [5, 60], steps: STEPS, discard: DISCARD };
    const res: BenchResponse = await page.evaluate((req) => (globalThis as unknown as { tradeguardBench: BenchApi }).tradeguardBench.run(req), request);
    if (!res.ok) throw new Error(`browser bench worker failed: ${res.error.name}: ${res.error.message}`);
    if (blocked.length) throw new Error(`the bench page asked for non-loopback URLs: ${blocked.join(', ')}`);
    return { us: res.stepUs, numThreads: res.numThreads, setupMs };
  } finally {
    await context?.close();
    await server?.close();
    await rm(profile, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
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
