/**
 * The fake TWS on its own thread, for the IBKR latency bench: with the client
 * on the main thread, neither side's work queues behind the other's in one
 * event loop, as with a real TWS. Messages:
 *   in  { round: k }  -> a keepUpToDate update opening 5-minute bar k after the history for each of the 5 pairs (closing bar k-1)
 *   out { port, echoPort, lastBar } once listening (echoPort: a bare TCP echo on this thread, the bench's peer);
 *       { latencies, handled } per round (ms from each pair's update: to the bytes of its first PLACE_ORDER reaching this thread, and to the fake handling that message)
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
let handled: number[] = [];
/** When the chunk being read reached this thread: the messages of one chunk are handed over in one synchronous loop, the microtask marks its end. */
let chunkAt = 0;
let timer: ReturnType<typeof setTimeout> | null = null;

const flush = () => {
  if (timer) clearTimeout(timer);
  timer = null;
  parentPort!.postMessage({ latencies, handled });
  latencies = [];
  handled = [];
  sentAt.clear();
};

const fake = new FakeTws({
  orders: { cash: 1e12, marketFillPrice: 1 },
  onReceive: (f) => {
    if (chunkAt === 0) {
      chunkAt = performance.now();
      queueMicrotask(() => (chunkAt = 0));
    }
    if (f[0] !== '3') return;
    const conId = Number(f[2]);
    const t = sentAt.get(conId);
    if (t === undefined) return;
    sentAt.delete(conId);
    // On the wire: when the bytes arrived, not after the fake handled the messages before it in the chunk.
    latencies.push(chunkAt - t);
    handled.push(performance.now() - t);
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
