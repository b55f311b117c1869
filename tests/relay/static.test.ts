import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { pwaNeedsBuild } from '../../relay/ops/pwa-build.ts';
import { startFakeRelay, type TestRelay } from './helpers.ts';

/** A raw request, so the path reaches the server exactly as written (fetch would normalise "..") */
function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

describe('the PWA files', () => {
  let relay: TestRelay;
  const dist = mkdtempSync(join(tmpdir(), 'tg-dist-'));
  beforeAll(async () => {
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>TradeGuard</title>');
    writeFileSync(join(dist, 'assets', 'app-abc123.js'), 'console.log(1)');
    writeFileSync(join(dist, '..', 'outside-secret.txt'), 'nope');
    relay = await startFakeRelay({ staticDir: dist });
  });
  afterAll(() => relay.close());

  it('serves index.html, assets with long caching, and index.html for client-side routes', async () => {
    const root = await fetch(`${relay.url}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toContain('text/html');
    expect(await root.text()).toContain('TradeGuard');
    const js = await fetch(`${relay.url}/assets/app-abc123.js`);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(await (await fetch(`${relay.url}/agents/demo-sma`)).text()).toContain('TradeGuard');
    expect((await fetch(`${relay.url}/missing.js`)).status).toBe(404);
  });

  it('never serves a file outside dist/', async () => {
    for (const p of ['/../outside-secret.txt', '/%2e%2e/outside-secret.txt', '/assets/..%2f..%2foutside-secret.txt']) {
      const res = await rawGet(relay.port, p);
      expect(res, p).not.toContain('nope');
    }
  });
});

describe('when serve rebuilds the PWA', () => {
  it('builds when dist/ is missing or older than the sources, not otherwise', () => {
    const root = mkdtempSync(join(tmpdir(), 'tg-root-'));
    mkdirSync(join(root, 'app'));
    expect(pwaNeedsBuild(root).build).toBe(false); // no app/index.html yet
    writeFileSync(join(root, 'app', 'index.html'), 'x');
    expect(pwaNeedsBuild(root)).toEqual({ build: true, why: 'dist/ is missing' });
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'dist', 'index.html'), 'built');
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'app', 'index.html'), past, past);
    expect(pwaNeedsBuild(root).build).toBe(false);
    writeFileSync(join(root, 'app', 'view.tsx'), 'changed');
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'app', 'view.tsx'), future, future);
    expect(pwaNeedsBuild(root)).toEqual({ build: true, why: 'dist/ is older than the app sources' });
  });
});
