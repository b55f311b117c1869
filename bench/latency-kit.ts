import type { Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { RULE_STRATEGIES } from '../workers/strategies/index.ts';

/**
 * What the bar-to-order latency benches share (cTrader over TLS, IBKR over
 * TCP): a strategy that reverses every bar, the fake server on its own thread,
 * and the echo round trip that is their peer.
 */

/** long, short, long, ... one bar each: every bar close makes an order. */
export function registerBenchFlip(): void {
  RULE_STRATEGIES['bench-flip'] ??= {
    name: 'bench-flip',
    description: 'bench: long, short, long, ... one bar each',
    defaults: {},
    check: () => null,
    create: () => {
      let n = 0;
      return { warmup: 1, update: () => void n++, inputs: (out) => void (out.n = n), decide: () => ({ direction: n % 2 ? 1 : -1, confidence: 1 }) };
    },
  };
}

/** A TypeScript module on a worker thread (tsx's loader registered inside it), and its messages one at a time. */
export function benchWorker(entry: URL): { worker: Worker; next: () => Promise<any> } {
  const worker = new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`, { eval: true });
  const inbox: ((m: any) => void)[] = [];
  worker.on('message', (m) => inbox.shift()?.(m));
  return { worker, next: () => new Promise<any>((r) => inbox.push(r)) };
}

/** Round trips of `frameBytes` through an echo on a connected socket: the floor under any request/response path over the same loopback and threads. */
export function echoRoundTrips(sock: Socket, frameBytes: number): { roundTrip: () => Promise<number>; close: () => void } {
  sock.setNoDelay(true);
  const frame = Buffer.alloc(frameBytes, 7);
  const roundTrip = () =>
    new Promise<number>((r) => {
      const t0 = performance.now();
      let got = 0;
      const on = (d: Buffer) => {
        got += d.length;
        if (got >= frame.length) {
          sock.off('data', on);
          r(performance.now() - t0);
        }
      };
      sock.on('data', on);
      sock.write(frame);
    });
  return { roundTrip, close: () => void sock.destroy() };
}
