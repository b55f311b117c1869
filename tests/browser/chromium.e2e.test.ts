/**
 * The browser the tests resolved (tests/browser/chromium.ts; run with TRADEGUARD_BROWSER=bundled
 * for the packaged build): cross-origin isolation comes from COOP/COEP and from nothing else (the
 * packaged build's own flags would hand SharedArrayBuffer to every page), and two runs unpacking
 * the packaged build at the same time both get a whole browser.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, resolveChromium, resolveChromiumFresh } from './chromium.ts';

const COOP_COEP = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

describe('the resolved Chromium', () => {
  let server: Server;
  let origin: string;
  let context: BrowserContext;
  let profile: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html', ...(req.url === '/isolated' ? COOP_COEP : {}) });
      res.end('<!doctype html><title>probe</title>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    if (!a || typeof a === 'string') throw new Error('probe server has no TCP address');
    origin = `http://127.0.0.1:${a.port}`;
    profile = await mkdtemp(join(tmpdir(), 'tradeguard-chromium-'));
    context = await launchChromium(profile);
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const probe = async (path: string) => {
    const page = await context.newPage();
    await page.goto(`${origin}${path}`);
    const r = await page.evaluate(() => ({
      isolated: crossOriginIsolated,
      sab: typeof SharedArrayBuffer,
      // What onnxruntime's wasm threads need: a shared wasm memory that a worker can be handed.
      sharedWasmMemory: (() => {
        try {
          return new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true }).buffer instanceof SharedArrayBuffer;
        } catch {
          return false;
        }
      })(),
      language: navigator.language,
    }));
    await page.close();
    return r;
  };

  it('is cross-origin isolated, with SharedArrayBuffer and shared wasm memory, under COOP/COEP', async () => {
    const b = await resolveChromium();
    expect(await probe('/isolated'), b.label).toEqual({ isolated: true, sab: 'function', sharedWasmMemory: true, language: expect.stringMatching(/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/) });
  });

  it('is not, and has no SharedArrayBuffer, without them', async () => {
    const b = await resolveChromium();
    expect(await probe('/plain'), b.label).toMatchObject({ isolated: false, sab: 'undefined', sharedWasmMemory: false });
  });
});

describe('unpacking the packaged build', () => {
  it('two at once into an empty temp dir: both get the same whole browser, no half-unpacked dir is left', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'tradeguard-unpack-race-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const [a, b] = await Promise.all([resolveChromiumFresh({ TRADEGUARD_BROWSER: 'bundled' }), resolveChromiumFresh({ TRADEGUARD_BROWSER: 'bundled' })]);
      expect(a.path).toBe(b.path);
      expect(a.path.startsWith(join(tmp, 'tradeguard-bundled-chromium-'))).toBe(true);
      // Both ran it: --version answered from a whole binary.
      expect(a.version).toMatch(/^Chromium \d+\./);
      expect(b.version).toBe(a.version);
      expect((await readdir(tmp)).filter((n) => n.includes('.unpacking-'))).toEqual([]);
      expect((await readdir(join(a.path, '..'))).sort()).toEqual(expect.arrayContaining(['chromium', 'fonts', 'fonts.conf', 'libGLESv2.so']));
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await rm(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});
