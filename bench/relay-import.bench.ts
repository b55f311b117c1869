import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../relay/store/sqlite-store.ts';
import { loadConfig } from '../relay/config/config.ts';
import { createMemoryLog } from '../relay/ops/log.ts';
import { startRelay } from '../relay/ops/start-relay.ts';
import type { RelayHost } from '../relay/server/context.ts';
import { formatBarsCsv } from '../workers/market/csv.ts';
import { quantile, syntheticBars, type BenchRow } from './lib.ts';

const TOKEN = 'bench-relay-token-0123456789abcdefghij';
const IMPORTS = 3;
const FILE_BYTES = 50 * 1024 * 1024;
const TARGET_MS = 50;

/** A CSV of M1 bars at least FILE_BYTES long (the relay's own export format). */
function bigCsv(): { text: string; rows: number } {
  const probe = formatBarsCsv({ ...syntheticBars(1000), timeframe: 'M1' });
  const rows = Math.ceil((FILE_BYTES / probe.length) * 1000 * 1.01);
  const s = syntheticBars(rows);
  for (let i = 0; i < rows; i++) s.time[i] = Date.UTC(2016, 0, 4) + i * 60_000;
  return { text: formatBarsCsv({ ...s, timeframe: 'M1' }), rows };
}

/**
 * The clients live in worker threads (the relay's process has its own event
 * loop to itself): one asks /health back to back and records each latency,
 * the other uploads the files, all at once.
 */
const PINGER = `
const { parentPort, workerData } = require('node:worker_threads');
let on = true, lat = [];
parentPort.on('message', (m) => { if (m === 'stop') on = false; });
(async () => {
  while (on) {
    const t0 = performance.now();
    const r = await fetch(workerData.url + '/health');
    await r.arrayBuffer();
    lat.push(performance.now() - t0);
    await new Promise((res) => setImmediate(res));
  }
  parentPort.postMessage(lat);
})();
`;

const UPLOADER = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.on('message', async () => {
  const t0 = performance.now();
  const results = await Promise.all(workerData.symbols.map(async (s) => {
    const r = await fetch(workerData.url + '/api/bars?symbol=' + s + '&timeframe=M1', { method: 'POST', headers: { authorization: 'Bearer ' + workerData.token, 'content-type': 'text/csv' }, body: workerData.text });
    return { status: r.status, body: await r.text() };
  }));
  parentPort.postMessage({ ms: performance.now() - t0, results });
});
`;

async function healthLatencies(url: string, during: () => Promise<void>): Promise<number[]> {
  const w = new Worker(PINGER, { eval: true, workerData: { url } });
  const done = new Promise<number[]>((r) => w.once('message', r));
  await during();
  w.postMessage('stop');
  const lat = await done;
  await w.terminate();
  return lat;
}

export default async function (): Promise<BenchRow[]> {
  const { text, rows } = bigCsv();
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-import-'));
  const store = openSqliteStore(join(dir, 'tradeguard.sqlite'));
  const host: RelayHost = { subscribe: () => () => {}, command: async () => ({ ok: true, message: '' }), status: async () => ({}) as never };
  const cfg = loadConfig({ TG_PORT: '0', TG_RELAY_TOKEN: TOKEN, TG_POLL_INTERVAL_MS: '3600000', TG_MAX_UPLOAD_MB: '256' }, { checkDataDir: false });
  if (!cfg.ok) throw new Error(cfg.problems.join());
  const relay = await startRelay({ config: cfg.config, store, host, log: createMemoryLog(), loadModel: () => Promise.reject(new Error('none')), staticDir: null });

  const symbols = Array.from({ length: IMPORTS }, (_, i) => `BIG${i}`);
  const uploader = new Worker(UPLOADER, { eval: true, workerData: { url: relay.url, token: TOKEN, text, symbols } });
  const upload = () =>
    new Promise<{ ms: number; results: { status: number; body: string }[] }>((resolve) => {
      uploader.once('message', resolve);
      uploader.postMessage('go');
    });

  // Idle: the same relay, the same pinger, nothing else going on.
  const idle = await healthLatencies(relay.url, () => new Promise((r) => setTimeout(r, 3000)));
  let imported: { ms: number; results: { status: number; body: string }[] } | null = null;
  const busy = await healthLatencies(relay.url, async () => {
    imported = await upload();
  });
  const up = imported as unknown as { ms: number; results: { status: number; body: string }[] };
  for (const r of up.results) if (r.status !== 200) throw new Error(`an import failed: ${r.status} ${r.body.slice(0, 300)}`);

  await uploader.terminate();
  await relay.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });

  const p99Busy = quantile(busy, 0.99);
  const p99Idle = quantile(idle, 0.99);
  const mb = Math.round(text.length / 1024 / 1024);
  process.stdout.write(`  ${IMPORTS} x ${mb} MB (${rows.toLocaleString('en-US')} M1 bars each) imported and stored in ${(up.ms / 1000).toFixed(1)} s; /health: ${busy.length} answers during the imports (max ${Math.max(...busy).toFixed(0)} ms), ${idle.length} idle\n`);
  return [
    {
      name: `/health p99 during ${IMPORTS} concurrent ${mb} MB CSV imports (POST /api/bars, parsed on a worker thread, stored in SQLite)`,
      value: p99Busy,
      unit: 'ms',
      higherIsBetter: false,
      peer: '/health p99 of the same relay, idle',
      peerValue: p99Idle,
      target: `<= ${TARGET_MS} ms`,
      targetMet: p99Busy <= TARGET_MS,
    },
  ];
}
