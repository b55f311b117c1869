import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Server } from 'node:http';
import { serveStatic, startAppHarness } from '../tests/browser/app-harness.ts';
import { quantile, type BenchRow } from './lib.ts';

/**
 * The cockpit's weight and start-up, from a production `vite build` (the same
 * build the e2e tests run), served on 127.0.0.1 with COOP/COEP.
 * - App-shell JS: the entry chunk and every chunk it imports statically, i.e.
 *   what the browser must fetch before the first render, gzipped. onnxruntime
 *   (the engine worker's) and the lazily loaded views are not in it. Peer: the
 *   gzipped size of the libraries alone (solid-js, dexie, workbox-window),
 *   bundled by the same Vite: what any app on this stack pays.
 * - Time to first render: navigation start to the shell's first render
 *   (performance mark 'tradeguard:shell-rendered'), first visit (fresh profile)
 *   and repeat visits (service worker installed). Peer: first contentful paint
 *   of a static HTML page from the same kind of server in the same Chromium.
 */
const REPEATS = 7;

async function shellJsGzip(dist: string): Promise<{ bytes: number; files: string[] }> {
  const html = await readFile(join(dist, 'index.html'), 'utf8');
  const entry = [...html.matchAll(/<script[^>]+src="\.?\/?([^"]+\.js)"/g)].map((m) => m[1]);
  const seen = new Set<string>();
  const queue = [...entry];
  while (queue.length) {
    const f = queue.shift()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const code = await readFile(join(dist, f), 'utf8');
    // Static imports only (`import ... from "./x.js"`, `import "./x.js"`); import() is lazy and not counted.
    for (const m of code.matchAll(/(?:^|[;}\s])import\s*(?:[\w*{}\s,$]+from\s*)?["'](\.\/[^"']+\.js)["']/g)) queue.push(join(f, '..', m[1]).replace(/^\.\//, ''));
  }
  let bytes = 0;
  for (const f of seen) bytes += gzipSync(await readFile(join(dist, f)), { level: 9 }).length;
  return { bytes, files: [...seen] };
}

async function librariesGzip(): Promise<number> {
  // Inside the repo, so the entry resolves the project's node_modules.
  const cache = fileURLToPath(new URL('../node_modules/.cache/', import.meta.url));
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(join(cache, 'tradeguard-libs-'));
  try {
    await writeFile(
      join(dir, 'entry.js'),
      `import { render } from 'solid-js/web'; import { createSignal } from 'solid-js'; import Dexie from 'dexie'; import { Workbox } from 'workbox-window';\n` +
        `const [s] = createSignal(0); render(() => String(s()), document.body); globalThis.__libs = [Dexie, Workbox];\n`,
    );
    const { build } = await import('vite');
    const out = join(dir, 'out');
    await build({ configFile: false, root: dir, logLevel: 'silent', build: { outDir: out, lib: { entry: join(dir, 'entry.js'), formats: ['es'], fileName: 'libs' }, minify: true } });
    let bytes = 0;
    for (const f of await readdir(out)) if (f.endsWith('.js')) bytes += gzipSync(await readFile(join(out, f)), { level: 9 }).length;
    return bytes;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export default async function (): Promise<BenchRow[]> {
  const harness = await startAppHarness();
  let blankServer: Server | undefined;
  const blankDir = await mkdtemp(join(tmpdir(), 'tradeguard-blank-'));
  try {
    const shell = await shellJsGzip(harness.distDir);
    const libs = await librariesGzip();
    process.stdout.write(`(app shell: ${shell.files.join(', ')})\n`);

    const renderMs = async (path: string) => {
      const page = await harness.context.newPage();
      await page.goto(`${harness.origin}/${path}`);
      await page.waitForSelector('[data-shell-ready]', { timeout: 60_000 });
      const ms = await page.evaluate(() => performance.getEntriesByName('tradeguard:shell-rendered')[0]?.startTime ?? NaN);
      return { page, ms };
    };
    const first = await renderMs('');
    // The service worker precaches; repeat visits come from it once it is in place.
    await first.page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    const repeat: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const r = await renderMs('');
      repeat.push(r.ms);
      await r.page.close();
    }
    await first.page.close();

    await writeFile(join(blankDir, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>blank</title></head><body><p>Hello</p></body></html>');
    const blank = await serveStatic(blankDir);
    blankServer = blank.server;
    const fcp: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const page = await harness.context.newPage();
      await page.goto(`${blank.origin}/`);
      await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, null, { timeout: 10_000 });
      fcp.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0].startTime));
      await page.close();
    }
    if (harness.blocked.length) throw new Error(`the app asked for non-loopback URLs: ${harness.blocked.join(', ')}`);

    const kb = (b: number) => b / 1024;
    return [
      {
        name: 'app-shell JS before first render, gzipped (onnxruntime and lazy views excluded)',
        value: kb(shell.bytes),
        unit: 'KB',
        higherIsBetter: false,
        peer: 'solid-js + dexie + workbox-window alone, same Vite, gzipped',
        peerValue: kb(libs),
        target: '<= 150 KB',
        targetMet: kb(shell.bytes) <= 150,
      },
      {
        name: 'time to first render, first visit (fresh profile), 127.0.0.1',
        value: first.ms,
        unit: 'ms',
        higherIsBetter: false,
        peer: 'static HTML page first contentful paint, same Chromium, p50',
        peerValue: quantile(fcp, 0.5),
      },
      {
        name: `time to first render, repeat visit (service worker), p50 of ${REPEATS}`,
        value: quantile(repeat, 0.5),
        unit: 'ms',
        higherIsBetter: false,
        peer: 'static HTML page first contentful paint, same Chromium, p50',
        peerValue: quantile(fcp, 0.5),
      },
    ];
  } finally {
    await new Promise((r) => (blankServer ? blankServer.close(r) : r(undefined)));
    await rm(blankDir, { recursive: true, force: true });
    await harness.close();
  }
}
