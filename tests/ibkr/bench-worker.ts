/**
 * The fake TWS on its own thread, for the IBKR latency bench: with the client
 * on the main thread, neither side's work queues behind the other's in one
 * event loop, as with a real TWS. Messages:
 *   in  { round: k }  -> a keepUpToDate update opening 5-minute bar k after the history for each of the 5 pairs (closing bar k-1)
 *   out { port, echoPort, lastBar } once listening (echoPort: a bare TCP echo on this thread, the bench's peer);
 *       { latencies } per round (update sent -> first PLACE_ORDER for that contract received, ms)
 */
import { createServer } from 'node:net';
import { parentPort } from 'node:worker_threads';
import { FakeTws } from './fake-tws.ts';
import { addBenchPairs, barsFor, CONTRACTS } from './fake-market.ts';

const symbols = addBenchPairs();
const FIVE_MIN = 300_000;
const lastBar = barsFor('EUR', '5 mins')!.at(-1)!;
const sentAt = new Map<number, number>();
let latencies: number[] = [];
let timer: ReturnType<typeof setTimeout> | null = null;

const flush = () => {
  if (timer) clearTimeout(timer);
  timer = null;
  parentPort!.postMessage({ latencies });
  latencies = [];
  sentAt.clear();
};

const fake = new FakeTws({
  orders: { cash: 1e12, marketFillPrice: 1 },
  onReceive: (f) => {
    if (f[0] !== '3') return;
    const conId = Number(f[2]);
    const t = sentAt.get(conId);
    if (t === undefined) return;
    sentAt.delete(conId);
    latencies.push(performance.now() - t);
    if (sentAt.size === 0) flush();
  },
});
const port = await fake.listen();

// The peer: a bare TCP echo served from the same thread as the fake.
const echo = createServer((sock) => {
  sock.setNoDelay(true);
  sock.on('data', (d) => sock.write(d));
});
await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));

parentPort!.on('message', (msg: { round?: number; stop?: boolean }) => {
  if (msg.stop) return void Promise.all([fake.close(), new Promise((r) => echo.close(r))]).then(() => process.exit(0));
  const k = msg.round!;
  const time = lastBar.time + k * FIVE_MIN;
  for (const [reqId, sym] of fake.streams) {
    const c = CONTRACTS.find((x) => x.symbol === sym)!;
    const p = lastBar.close * (1 + (k % 7) * 1e-4);
    sentAt.set(c.conId, performance.now());
    fake.pushUpdate(reqId, { time, open: p, high: p, low: p, close: p, volume: 0 });
  }
  timer = setTimeout(flush, 1000);
});
parentPort!.postMessage({ port, echoPort: (echo.address() as { port: number }).port, lastBarTime: lastBar.time, symbols });
