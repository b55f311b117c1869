/**
 * The REAL app (vite.config.ts: Solid, the PWA plugin, the engine worker) built
 * once and served by a tiny static server with COOP/COEP, plus Chromium with a
 * fresh profile. A build rather than the dev server because the service worker
 * (offline reload) only exists in a build, and because a dev server that
 * discovers a dependency late reloads the page under the test.
 *
 * The build is cached in the temp dir under a hash of everything it is made of
 * (app/, workers/, public/, vite.config.ts, package-lock.json), so the e2e files
 * of one `npm test` build it once; a lock dir keeps two forks from building it
 * at the same time.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { keepOnLoopback } from './harness.ts';
import { CONTENT_TYPES } from '../../relay/server/http/static.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COOP_COEP = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export interface AppHarness {
  origin: string;
  context: BrowserContext;
  /** URLs off loopback that were refused. */
  blocked: string[];
  /** Page errors and console errors of every page opened with `newPage`, prefixed by page number. */
  errors: string[];
  /** Opens a new tab at `path` (e.g. '?speed=360000#/trades') and waits until the shell rendered. */
  newPage(path?: string): Promise<Page>;
  /** Where the built app is (for the bench: its size). */
  distDir: string;
  close(): Promise<void>;
}

export interface AppHarnessOptions {
  /** Default replay speed put in the URL of `newPage` when the path has no `speed=`. */
  speed?: number;
}

const SOURCES = ['app', 'workers', 'public', 'vite.config.ts', 'package-lock.json'];

function listFiles(path: string, out: string[]): void {
  const s = statSync(path);
  if (s.isFile()) {
    out.push(path);
    return;
  }
  for (const name of readdirSync(path).sort()) listFiles(join(path, name), out);
}

/** Hash of the build's inputs: a change anywhere gives a new build, nothing else does. */
function sourceHash(): string {
  const files: string[] = [];
  for (const s of SOURCES) if (existsSync(join(ROOT, s))) listFiles(join(ROOT, s), files);
  const h = createHash('sha256');
  for (const f of files) {
    h.update(relative(ROOT, f));
    h.update(readFileSync(f));
  }
  return h.digest('hex').slice(0, 16);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds the app into a hash-named dir in the temp dir, or reuses the one already there. */
export async function buildApp(): Promise<string> {
  const dir = join(tmpdir(), `tradeguard-app-${sourceHash()}`);
  const lock = `${dir}.lock`;
  for (;;) {
    if (existsSync(join(dir, 'index.html'))) return dir;
    try {
      await mkdir(lock);
      break;
    } catch {
      // Another fork builds; a lock older than 5 minutes belongs to a build that died.
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 300_000) await rm(lock, { recursive: true, force: true });
      await sleep(500);
    }
  }
  try {
    const out = `${dir}.tmp-${process.pid}`;
    const cacheDir = await mkdtemp(join(tmpdir(), 'tradeguard-vite-'));
    const { build } = await import('vite');
    await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', cacheDir, build: { outDir: out, emptyOutDir: true } });
    await rm(cacheDir, { recursive: true, force: true });
    await rename(out, dir);
    await removeStaleBuilds(dir);
    return dir;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Builds of older sources (~40 MB each, mostly onnxruntime's wasm) left by earlier runs: removed after an hour unused. */
async function removeStaleBuilds(keep: string): Promise<void> {
  const { readdir } = await import('node:fs/promises');
  for (const name of await readdir(tmpdir())) {
    const path = join(tmpdir(), name);
    if (!name.startsWith('tradeguard-app-') || path === keep || name.endsWith('.lock')) continue;
    const s = await stat(path).catch(() => null);
    if (s && Date.now() - s.mtimeMs > 3_600_000) await rm(path, { recursive: true, force: true });
  }
}


/** A static server for `dir` on 127.0.0.1 with COOP/COEP; unknown paths without an extension get index.html. */
export async function serveStatic(dir: string): Promise<{ origin: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let path = normalize(join(dir, decodeURIComponent(url.pathname)));
    if (!path.startsWith(dir + sep) && path !== dir) {
      res.writeHead(403).end();
      return;
    }
    if (path === dir || path.endsWith(sep)) path = join(dir, 'index.html');
    try {
      const body = await readFile(path);
      res.writeHead(200, { ...COOP_COEP, 'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
      res.end(body);
    } catch {
      if (!extname(path)) {
        res.writeHead(200, { ...COOP_COEP, 'Content-Type': CONTENT_TYPES['.html'] });
        res.end(await readFile(join(dir, 'index.html')));
      } else res.writeHead(404, COOP_COEP).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  if (!a || typeof a === 'string') throw new Error('static server has no TCP address');
  return { origin: `http://127.0.0.1:${a.port}`, server };
}

export async function startAppHarness(opts: AppHarnessOptions = {}): Promise<AppHarness> {
  const distDir = await buildApp();
  const profile = await mkdtemp(join(tmpdir(), 'tradeguard-chromium-'));
  let server: Server | undefined;
  let context: BrowserContext | undefined;
  const close = async () => {
    await context?.close().catch(() => undefined);
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await rm(profile, { recursive: true, force: true });
  };
  try {
    const served = await serveStatic(distDir);
    server = served.server;
    const origin = served.origin;
    context = await launchChromium(profile, { viewport: { width: 1280, height: 860 } });
    const blocked = await keepOnLoopback(context);
    const ctx = context;
    const errors: string[] = [];
    let pages = 0;
    return {
      origin,
      context: ctx,
      blocked,
      errors,
      distDir,
      async newPage(path = '') {
        const n = ++pages;
        // The persistent context opens with one blank tab: use it for the first page.
        const blank = ctx.pages().find((p) => p.url() === 'about:blank');
        const p = blank ?? (await ctx.newPage());
        p.on('pageerror', (e) => errors.push(`page ${n}: ${e.message}`));
        p.on('console', (m) => {
          if (m.type() === 'error') errors.push(`page ${n}: ${m.text()}`);
        });
        const withSpeed = opts.speed !== undefined && !/[?&]speed=/.test(path) ? addQuery(path, `speed=${opts.speed}`) : path;
        await p.goto(`${origin}/${withSpeed.replace(/^\//, '')}`);
        try {
          await p.waitForSelector('[data-shell-ready]', { timeout: 60_000 });
        } catch (e) {
          throw new Error(`the app did not render: ${(e as Error).message}; page errors: ${errors.join(' | ') || 'none'}`);
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

function addQuery(path: string, q: string): string {
  const hash = path.indexOf('#');
  const [base, frag] = hash < 0 ? [path, ''] : [path.slice(0, hash), path.slice(hash)];
  return `${base}${base.includes('?') ? '&' : '?'}${q}${frag}`;
}

/** For scripts (screenshots, bench) that write next to the repo. */
export async function writeRepoFile(rel: string, data: Buffer | string): Promise<void> {
  const path = join(ROOT, rel);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, data);
}

/** What the e2e tests read from a tab's IndexedDB (the workspace 'tradeguard'), without the app's code. */
export interface StoredRecord {
  events: { seq: number; id: string; type: string; agentId: string; clientOrderId?: string }[];
  openPositions: number;
}

export function readStoredRecord(page: Page): Promise<StoredRecord> {
  return page.evaluate(
    () =>
      new Promise<StoredRecord>((resolve, reject) => {
        const open = indexedDB.open('tradeguard');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['events', 'positions'], 'readonly');
          const events = tx.objectStore('events').getAll();
          const positions = tx.objectStore('positions').count();
          tx.oncomplete = () => {
            db.close();
            resolve({
              events: (events.result as { seq: number; id: string; type: string; agentId: string; payload: { clientOrderId?: string } }[]).map((e) => ({
                seq: e.seq,
                id: e.id,
                type: e.type,
                agentId: e.agentId,
                clientOrderId: e.payload?.clientOrderId,
              })),
              openPositions: positions.result,
            });
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

/** The engine clock the header shows, ms UTC (NaN before the first status). */
export async function headerClock(page: Page): Promise<number> {
  const text = (await page.locator('.feed-line .num').first().textContent({ timeout: 60_000 })) ?? '';
  return Date.parse(text.replace(' UTC', 'Z').replace(' ', 'T'));
}

/** Waits until the header clock passes `t` (the replay moves). */
export async function clockPasses(page: Page, t: number, timeoutMs = 60_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const now = await headerClock(page).catch(() => NaN);
    if (now > t) return now;
    if (Date.now() > end) throw new Error(`the engine clock stayed at ${new Date(now).toISOString()} (waited for it to pass ${new Date(t).toISOString()})`);
    await page.waitForTimeout(250);
  }
}

/** One stored agent's config (IndexedDB 'agents' of the workspace 'tradeguard'), read without the app's code; null when none. */
export function storedAgentConfig(page: Page, agentId: string): Promise<{ symbols: string[]; risk?: unknown } | null> {
  return page.evaluate(
    (id) =>
      new Promise<{ symbols: string[]; risk?: unknown } | null>((resolve, reject) => {
        const open = indexedDB.open('tradeguard');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('agents', 'readonly').objectStore('agents').get(id);
          req.onsuccess = () => {
            open.result.close();
            resolve((req.result as { config: { symbols: string[]; risk?: unknown } } | undefined)?.config ?? null);
          };
          req.onerror = () => reject(req.error);
        };
      }),
    agentId,
  );
}
