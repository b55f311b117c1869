/**
 * The fake cTrader server on its own thread, for the latency bench: with the
 * client on the main thread, neither side's work queues behind the other's
 * in one event loop, as with a real remote server. Messages:
 *   in  { round: k }          -> ticks the 5 symbols opening minute k (closing the previous bar)
 *   out { ready, port, echoPort, cert } once listening (echoPort: a bare TLS echo on this thread, the bench's peer); { latencies, handled } per round (ms from each symbol's tick: to its NewOrderReq's bytes reaching this thread, and to the fake handling that frame)
 */
import { createServer as createTlsServer } from 'node:tls';
import { parentPort } from 'node:worker_threads';
import { listenTls, selfSignedCert } from './listen.ts';
import { fakeServer, SYMBOLS, START_PRICE } from '../helpers.ts';

const T0 = Date.UTC(2024, 0, 8, 0, 0);
const MIN = 60_000;
let now = T0;
const fake = fakeServer(() => now, { balance: 1e9 });
for (const s of SYMBOLS) fake.tick(s.name, T0 + 100, START_PRICE[s.name], s.digits === 3 ? 0.002 : 0.00002);
const cert = selfSignedCert();
// A round's ticks leave in one write (ServeOptions.writePerRun), so each spot is timed from when it is sent.
const tls = await listenTls(fake, cert, { writePerRun: true });

// The peer: a bare TLS echo served from the same thread as the fake server.
const echo = createTlsServer({ key: cert.key, cert: cert.cert }, (sock) => {
  sock.setNoDelay(true);
  sock.on('data', (d) => sock.write(d));
});
await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));

// On the wire: an order is timed when the bytes carrying it reach this thread (the chunk's first frame),
// not after the fake has handled the frames before it in that chunk (a close and its fill events: the fake's work).
let chunkAt = 0;
const attach = fake.attach.bind(fake);
fake.attach = (send, close) => {
  const conn = attach(send, close);
  return {
    ...conn,
    receive: (bytes) => {
      // The frames of one chunk are handed over in one synchronous loop: the microtask marks its end.
      if (chunkAt === 0) {
        chunkAt = performance.now();
        queueMicrotask(() => (chunkAt = 0));
      }
      conn.receive(bytes);
    },
  };
};

const sentAt = new Map<number, number>();
let latencies: number[] = [];
let handled: number[] = [];
fake.onOrder = (m) => {
  const t = sentAt.get(m.payload.symbolId as number);
  if (t === undefined) return;
  sentAt.delete(m.payload.symbolId as number);
  latencies.push(chunkAt - t);
  handled.push(performance.now() - t);
  if (sentAt.size === 0) flush();
};
let timer: ReturnType<typeof setTimeout> | null = null;
function flush(): void {
  if (timer) clearTimeout(timer);
  timer = null;
  parentPort!.postMessage({ latencies, handled });
  latencies = [];
  handled = [];
  sentAt.clear();
}

parentPort!.on('message', (msg: { round?: number; stop?: boolean }) => {
  if (msg.stop) return void Promise.all([tls.close(), new Promise((r) => echo.close(r))]).then(() => process.exit(0));
  const k = msg.round!;
  now = T0 + k * MIN + 100;
  const step = k % 7;
  for (const s of SYMBOLS) {
    sentAt.set(s.symbolId, performance.now());
    fake.tick(s.name, now, Math.round(START_PRICE[s.name] * (1 + step * 1e-4) * 1e5) / 1e5, s.digits === 3 ? 0.002 : 0.00002);
  }
  timer = setTimeout(flush, 1000);
});
parentPort!.postMessage({ ready: true, port: tls.port, echoPort: (echo.address() as { port: number }).port, cert, t0: T0 });
