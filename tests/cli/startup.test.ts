import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { formatBarsCsv } from '../../workers/market/csv.ts';
import type { CsvImportReply, CsvImportRequest } from '../../relay/ops/csv-import-pool.ts';

// The compiled command line (scripts/build-relay.mjs, run by bin/tradeguard.mjs)
// against the TypeScript sources through tsx: the same output, and a stale build rebuilt.
const ROOT = resolve(import.meta.dirname, '..', '..');
// Its own build folder (two deep, inside the project, as the build needs), so the real build/relay is left alone.
const BUILD_DIR = join('build', `test-startup-${process.pid}`);
const OUT = join(ROOT, BUILD_DIR);
const ENTRY = join(OUT, 'cli.mjs');

function tradeguard(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tradeguard.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, TG_BUILD_DIR: BUILD_DIR, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-relay.mjs')], { cwd: ROOT, env: { ...process.env, TG_BUILD_DIR: BUILD_DIR }, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

it('builds the command line and the CSV worker into plain JavaScript with source maps', () => {
  const files = readdirSync(OUT);
  expect(files).toContain('cli.mjs');
  expect(files).toContain('cli.mjs.map');
  expect(files).toContain('csv-import.worker.mjs');
  // No TypeScript loader left in the build: it runs on plain Node.
  for (const f of files.filter((x) => x.endsWith('.mjs'))) expect(readFileSync(join(OUT, f), 'utf8')).not.toMatch(/from "tsx|tsx\/esm/);
});

it('prints the same --help from the build as from the sources', () => {
  const built = tradeguard(['--help']);
  const tsx = tradeguard(['--help'], { TG_TSX: '1' });
  expect(tsx.code).toBe(0);
  expect(built.code).toBe(0);
  expect(built.out).toContain('tradeguard backtest');
  expect(built.out).toBe(tsx.out);
});

it('runs the same backtest on the bundled data from the build as from the sources', () => {
  const args = ['backtest', '--json', '--fast', '5', '--slow', '30'];
  const built = tradeguard(args);
  const tsx = tradeguard(args, { TG_TSX: '1' });
  expect(tsx.code).toBe(0);
  expect(built.code).toBe(0);
  const trades = (JSON.parse(built.out) as { metrics: { trades: number } }).metrics.trades;
  expect(trades).toBeGreaterThan(10);
  expect(built.out).toBe(tsx.out);
});

it('refuses bad input from the build as it does from the sources', () => {
  const built = tradeguard(['backtest', '--data', 'no/such.csv']);
  const tsx = tradeguard(['backtest', '--data', 'no/such.csv'], { TG_TSX: '1' });
  expect(built.code).toBe(2);
  expect(built.code).toBe(tsx.code);
  expect(built.err).toContain('cannot read no/such.csv: no such file');
  expect(built.err.replace(/tradeguard: building[^\n]*\n/, '')).toBe(tsx.err);
});

it('rebuilds a build older than the sources before running it', () => {
  // As if relay/ or workers/ had been edited after the build: the build dated ten days back.
  const old = Date.now() / 1000 - 10 * 24 * 3600;
  utimesSync(ENTRY, old, old);
  const r = tradeguard(['--help']);
  expect(r.code).toBe(0);
  expect(r.err).toContain('building the relay (a source under relay/ or workers/ is newer than the build)');
  expect(statSync(ENTRY).mtimeMs / 1000).toBeGreaterThan(old + 3600);
  expect(r.out).toContain('tradeguard backtest');
});

it('builds on the first start when there is no build', () => {
  rmSync(OUT, { recursive: true, force: true });
  const r = tradeguard(['--help']);
  expect(r.code).toBe(0);
  expect(r.err).toContain(`building the relay (${BUILD_DIR}/cli.mjs is missing)`);
  expect(existsSync(ENTRY)).toBe(true);
});

it("the relay's CSV import worker runs from the build, where the relay's pool looks for it", async () => {
  // csv-import-pool.ts starts './csv-import.worker.mjs' next to its own module: in the build, a chunk in the same folder.
  const pool = readdirSync(OUT).filter((f) => f.endsWith('.mjs') && readFileSync(join(OUT, f), 'utf8').includes('new URL("./csv-import.worker.mjs", import.meta.url)'));
  expect(pool.length).toBe(1);
  const worker = new Worker(join(OUT, 'csv-import.worker.mjs'), { execArgv: [] });
  try {
    const time = Float64Array.from({ length: 50 }, (_, i) => Date.UTC(2024, 0, 1) + i * 3_600_000);
    const close = Float64Array.from(time, (_, i) => 1.1 + i / 1000);
    const csv = formatBarsCsv({ symbol: 'EURUSD', timeframe: 'H1', time, open: close, high: close.map((c) => c + 0.001), low: close.map((c) => c - 0.001), close, volume: new Float64Array(50) });
    const bytes = new TextEncoder().encode(csv).buffer as ArrayBuffer;
    const reply = new Promise<CsvImportReply>((res, rej) => {
      worker.once('message', res);
      worker.once('error', rej);
    });
    worker.postMessage({ id: 7, bytes, options: { symbol: 'EURUSD' } } satisfies CsvImportRequest, [bytes]);
    const m = await reply;
    expect('result' in m && m.result.ok).toBe(true);
    if ('result' in m) {
      expect(m.result.report.rowsImported).toBe(50);
      expect(m.result.series!.timeframe).toBe('H1');
      expect(Array.from(m.result.series!.close)).toEqual(Array.from(close));
    }
  } finally {
    await worker.terminate();
  }
});
