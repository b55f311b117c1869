/**
 * A real Chromium against a Vite dev server of tests/browser/fixture, both on
 * loopback: what the browser tests and the browser benchmark run in.
 * - Vite: COOP/COEP (cross-origin isolated, as onnxruntime threads need), its own
 *   temp cache, onnxruntime-web served as-is so it fetches its wasm next to itself.
 * - Chromium: the one chromium.ts resolves (the system's, else the bundled
 *   one), a fresh temp profile; any request off loopback is refused and
 *   recorded in `blocked`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { launchChromium } from './chromium.ts';

/** Refuses every request off loopback; returns the list of what was refused (a test can assert it stays empty). */
export async function keepOnLoopback(context: BrowserContext): Promise<string[]> {
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    blocked.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  return blocked;
}
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixture', import.meta.url));
const COOP_COEP = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export interface BrowserHarness {
  origin: string;
  context: BrowserContext;
  /** URLs off loopback that were refused. */
  blocked: string[];
  /** Opens `path` and waits until `globalThis[readyGlobal]` exists, reporting page errors if it never does. */
  open(path: string, readyGlobal: string, page?: Page): Promise<Page>;
  close(): Promise<void>;
}

/** `entries`: the fixture's HTML and worker files, so Vite pre-bundles before the page loads (a late discovery reloads the page). */
export async function startBrowserHarness(entries: string[]): Promise<BrowserHarness> {
  const profile = await mkdtemp(join(tmpdir(), 'tradeguard-chromium-'));
  const cacheDir = await mkdtemp(join(tmpdir(), 'tradeguard-vite-'));
  let server: ViteDevServer | undefined;
  let context: BrowserContext | undefined;
  const close = async () => {
    await context?.close();
    await server?.close();
    await rm(profile, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  };
  try {
    server = await createServer({
      configFile: false,
      root: FIXTURE,
      cacheDir, // not node_modules/.vite: never disturbs the app's dev server
      logLevel: 'warn',
      clearScreen: false,
      appType: 'mpa',
      server: { host: '127.0.0.1', port: 0, headers: COOP_COEP, hmr: false, ws: false, watch: null, fs: { strict: true, allow: [ROOT] } },
      // protobufjs is CommonJS: pre-bundled to ESM. onnxruntime-web is served as-is, so its
      // import.meta.url still points at dist/ and it fetches its wasm next to itself, as in Node.
      optimizeDeps: { entries, include: ['protobufjs/light.js'], exclude: ['onnxruntime-web'] },
    });
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('vite dev server has no TCP address');
    const origin = `http://127.0.0.1:${address.port}`;
    context = await launchChromium(profile);
    const blocked = await keepOnLoopback(context);
    const ctx = context;
    return {
      origin,
      context: ctx,
      blocked,
      async open(path, readyGlobal, page) {
        const p = page ?? ctx.pages()[0] ?? (await ctx.newPage());
        const pageErrors: string[] = [];
        p.on('pageerror', (e) => pageErrors.push(e.message));
        p.on('console', (m) => {
          if (m.type() === 'error') pageErrors.push(m.text());
        });
        await p.goto(`${origin}/${path}`);
        try {
          await p.waitForFunction((g) => (globalThis as Record<string, unknown>)[g] !== undefined, readyGlobal, { timeout: 60_000 });
        } catch (e) {
          throw new Error(`${path} did not start: ${(e as Error).message}; page errors: ${pageErrors.join(' | ') || 'none'}`);
        }
        return p;
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
