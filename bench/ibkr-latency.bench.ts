import { connect } from 'node:net';
import { Worker } from 'node:worker_threads';
import { Engine } from '../workers/engine/engine.ts';
import { EventJournal } from '../workers/engine/journal.ts';
import { ibkrMarket } from '../workers/host/ibkr-market.ts';
import { RULE_STRATEGIES } from '../workers/strategies/index.ts';
import { TcpTransport } from '../relay/ibkr/tcp-transport.ts';
import { ManualTime } from '../tests/ctrader/helpers.ts';
import { quantile, type BenchRow } from './lib.ts';

/**
 * Bar close to placeOrder on the wire, for 5 FX pairs at a fake TWS on its own
 * thread (TCP loopback): the fake sends the keepUpToDate update that opens a
 * new 5-minute bar (closing the last one), the IBKR feed hands the closed bar
 * to the engine, an agent reverses its position on every bar, and the clock
 * stops when the PLACE_ORDER message reaches the fake. The peer is the floor
 * under any such path: a bare TCP echo round trip to the same thread.
 */
const ROUNDS = 70;
const PACE_MS = 100;
const FIVE_MIN = 300_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

async function echoPeer(port: number) {
  const sock = connect({ host: '127.0.0.1', port });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.setNoDelay(true);
  const frame = Buffer.alloc(120, 7);
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

export default async function (): Promise<BenchRow[]> {
  const entry = new URL('../tests/ibkr/bench-worker.ts', import.meta.url).href;
  const server = new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
  const inbox: ((m: any) => void)[] = [];
  server.on('message', (m) => inbox.shift()?.(m));
  const next = () => new Promise<any>((r) => inbox.push(r));
  const hello = (await next()) as { port: number; echoPort: number; lastBarTime: number; symbols: string[] };
  // Market time: just after the history's last bar opened; the bench moves it bar by bar.
  const time = new ManualTime(hello.lastBarTime + 1000);
  const journal = new EventJournal({ retain: false });
  const market = ibkrMarket({
    transport: () => new TcpTransport({ host: '127.0.0.1', port: hello.port }),
    clock: time,
    scheduler: time,
    clientId: 1,
    account: null,
    marketDataType: 1,
    subscriptions: hello.symbols.map((symbol) => ({ symbol, timeframe: 'M5' as const })),
    paper: true,
  })((e) => journal.append(e));
  const engine = new Engine({ clock: time, broker: market.broker, journal, instrument: (s) => market.instrument(s) });
  await market.connect();
  engine.addAgent({ id: 'bench', name: 'bench', symbols: hello.symbols, timeframe: 'M5', alpha: { kind: 'rule', strategy: 'bench-flip', params: {} }, sizing: { kind: 'fixed', units: 10_000 }, maxPositionPct: 1e6, stopAtr: null, targetAtr: null, trailAtr: null, atrPeriod: 14 });
  void market.feed.run((sym, tf, bar) => engine.onBar(sym, tf, bar));
  // History and the streams of the 5 pairs.
  await sleep(1500);

  const echo = await echoPeer(hello.echoPort);
  const echoes: number[] = [];
  const latencies: number[] = [];
  for (let k = 1; k <= ROUNDS; k++) {
    await sleep(PACE_MS / 2);
    for (let e = 0; e < hello.symbols.length; e++) echoes.push(await echo.roundTrip());
    await sleep(PACE_MS / 2);
    time.advanceTo(hello.lastBarTime + k * FIVE_MIN + 100);
    const answer = next();
    server.postMessage({ round: k });
    latencies.push(...((await answer) as { latencies: number[] }).latencies);
  }
  market.disconnect();
  echo.close();
  server.postMessage({ stop: true });
  await new Promise((r) => server.once('exit', r));
  // The first 10 rounds warm up.
  const warm = latencies.slice(hello.symbols.length * 10);
  const peer = echoes.slice(hello.symbols.length * 10);
  const p50 = quantile(warm, 0.5);
  const p99 = quantile(warm, 0.99);
  // Round 1's update only opens a bar after the history's last one (already delivered): no order is due until round 2.
  const missing = (ROUNDS - 1) * hello.symbols.length - latencies.length;
  if (missing > 0) process.stdout.write(`ibkr-latency: ${missing} bar closes produced no placeOrder within 1 s\n`);
  const label = `bar on the fake TWS -> PLACE_ORDER bytes back at it, 5 FX pairs, TCP loopback, real engine (${warm.length} orders)`;
  return [
    { name: `${label}, p50`, value: p50, unit: 'ms', higherIsBetter: false, peer: 'bare TCP echo round trip to the fake TWS thread, p50', peerValue: quantile(peer, 0.5) },
    { name: `${label}, p99`, value: p99, unit: 'ms', higherIsBetter: false, peer: 'bare TCP echo round trip to the fake TWS thread, p99', peerValue: quantile(peer, 0.99), target: 'p99 <= 5 ms', targetMet: p99 <= 5 && missing === 0 },
  ];
}
