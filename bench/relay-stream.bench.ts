import { WebSocketServer } from 'ws';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../relay/store/sqlite-store.ts';
import type { EngineEvent, EngineEventInput } from '../workers/trading/events.ts';
import type { HostUpdate } from '../workers/host/api.ts';
import { loadConfig } from '../relay/config/config.ts';
import { createMemoryLog } from '../relay/ops/log.ts';
import { startRelay } from '../relay/ops/start-relay.ts';
import type { RelayHost } from '../relay/server/context.ts';
import type { BenchRow } from './lib.ts';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const CLIENTS = 10;
const EVENTS = 50_000;
/** Events per host step (a bar close across a few agents). */
const BATCH = 10;
const TOKEN = 'bench-relay-token-0123456789abcdefghij';

/** Decision-sized events: the bulk of a real stream. */
function eventInputs(from: number, n: number): EngineEventInput[] {
  return Array.from({ length: n }, (_, i) => {
    const k = from + i;
    return {
      id: `dec:bench:EURUSD:${k}`,
      type: 'decision',
      agentId: 'bench',
      time: k * 300_000,
      payload: { symbol: 'EURUSD', barTime: k * 300_000, action: 'hold', reason: 'no signal: fast SMA 1.08412 below slow SMA 1.08533', direction: 0, inputs: { close: 1.0841 + (k % 100) * 1e-5, smaFast: 1.08412, smaSlow: 1.08533, atr: 0.00121 } },
    };
  });
}

/**
 * The 10 clients live in a worker thread (the other core), so what is measured
 * is the server's sending, not the clients' receiving on the same event loop.
 * Each tracks the highest seq it received and posts 'done' when all reach `want`.
 */
const CLIENT_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require(workerData.ws);
const counts = new Array(workerData.clients).fill(0);
let open = 0;
for (let i = 0; i < workerData.clients; i++) {
  const ws = new WebSocket(workerData.url, { headers: workerData.headers });
  ws.on('open', () => { if (++open === workerData.clients) parentPort.postMessage('open'); });
  ws.on('message', (d) => {
    // The last event's seq is the message's last "seq" key: found without parsing the whole message.
    const s = d.toString('latin1');
    const at = s.lastIndexOf('"seq":');
    if (at < 0) return;
    counts[i] = parseInt(s.slice(at + 6, at + 24), 10);
    if (counts[i] >= workerData.want && counts.every((c) => c >= workerData.want)) parentPort.postMessage('done');
  });
}
parentPort.on('message', () => process.exit(0));
`;

async function clientPool(url: string, headers: Record<string, string>, want: number) {
  const worker = new Worker(CLIENT_CODE, { eval: true, workerData: { url, headers, want, clients: CLIENTS, ws: require.resolve('ws') } });
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await new Promise<void>((resolve) =>
    worker.on('message', (m) => {
      if (m === 'open') resolve();
      if (m === 'done') done();
    }),
  );
  return { finished, stop: () => worker.terminate() };
}

/**
 * The relay's stream: a host stand-in publishes stored events one step
 * (BATCH events) at a time through StreamHub to 10 authenticated sockets.
 * The events are written to the store before the clock starts: the store's
 * append is the host's cost, not the stream's. With `catchUp`, the clients
 * instead join after everything is stored and read it through ?after=0.
 */
async function relayRate(catchUp: boolean): Promise<number> {
  // The relay's own store: SQLite in a temp dir.
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-stream-'));
  const store = openSqliteStore(join(dir, 'tradeguard.sqlite'));
  const fns = new Set<(u: HostUpdate) => void>();
  const host: RelayHost = { subscribe: (fn) => fns.add(fn), command: async () => ({ ok: true, message: '' }), status: async () => ({}) as never };
  const cfg = loadConfig({ TG_PORT: '0', TG_RELAY_TOKEN: TOKEN, TG_POLL_INTERVAL_MS: '3600000' }, { checkDataDir: false });
  if (!cfg.ok) throw new Error(cfg.problems.join());
  const relay = await startRelay({ config: cfg.config, store, host, log: createMemoryLog(), loadModel: () => Promise.reject(new Error('none')), staticDir: null });
  const url = `${relay.url.replace('http', 'ws')}/api/stream?after=0`;
  const headers = { authorization: `Bearer ${TOKEN}` };
  const steps: EngineEvent[][] = [];
  const pool = catchUp ? null : await clientPool(url, headers, EVENTS);
  for (let k = 0; k < EVENTS; k += BATCH) steps.push(await store.events.append(eventInputs(k, BATCH)));
  let s: number;
  if (pool) {
    const t0 = performance.now();
    for (let i = 0; i < steps.length; i++) {
      for (const fn of fns) fn({ status: null as never, events: steps[i] });
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await pool.finished;
    s = (performance.now() - t0) / 1000;
    await pool.stop();
  } else {
    const t0 = performance.now();
    const late = await clientPool(url, headers, EVENTS);
    await late.finished;
    s = (performance.now() - t0) / 1000;
    await late.stop();
  }
  await relay.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return EVENTS / s;
}

/** The peer: the same events, serialized once each and sent one message per event by a bare `ws` server to 10 sockets (no store, no auth, no resume). */
async function rawRate(): Promise<number> {
  const server = createServer();
  const wss = new WebSocketServer({ server });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const pool = await clientPool(`ws://127.0.0.1:${port}/`, {}, EVENTS);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  let seq = 0;
  for (let k = 0; k < EVENTS; k += BATCH) {
    for (const e of eventInputs(k, BATCH)) {
      const text = JSON.stringify({ t: 'event', event: { ...e, seq: ++seq } });
      for (const c of wss.clients) c.send(text);
    }
    if ((k / BATCH) % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  await pool.finished;
  const s = (performance.now() - t0) / 1000;
  await pool.stop();
  wss.close();
  server.close();
  return EVENTS / s;
}

export default async function (): Promise<BenchRow[]> {
  await relayRate(false); // warm-up
  await rawRate();
  const live = Math.max(await relayRate(false), await relayRate(false));
  const catchUp = Math.max(await relayRate(true), await relayRate(true));
  const raw = Math.max(await rawRate(), await rawRate());
  const peer = `bare ws broadcast, one message per event, same JSON to ${CLIENTS} clients (no store, no auth, no resume)`;
  return [
    {
      name: `live engine events through /api/stream to ${CLIENTS} WebSocket clients (numbered, one message per step of ${BATCH}), ${EVENTS.toLocaleString('en-US')} decision events`,
      value: live,
      unit: 'events/s',
      higherIsBetter: true,
      peer,
      peerValue: raw,
    },
    {
      name: `catch-up: ${CLIENTS} clients joining with ?after=0 read ${EVENTS.toLocaleString('en-US')} stored events`,
      value: catchUp,
      unit: 'events/s',
      higherIsBetter: true,
      peer,
      peerValue: raw,
    },
  ];
}
