import { connect } from 'node:net';
import { Engine } from '../workers/engine/engine.ts';
import { EventJournal } from '../workers/engine/journal.ts';
import { ibkrMarket } from '../workers/host/ibkr-market.ts';
import { TcpTransport } from '../relay/ibkr/tcp-transport.ts';
import { ManualTime } from '../tests/ctrader/helpers.ts';
import { quantile, type BenchRow } from './lib.ts';
import { benchWorker, echoRoundTrips, registerBenchFlip } from './latency-kit.ts';

/**
 * Bar close to placeOrder on the wire, for 5 FX pairs at a fake TWS on its own
 * thread (TCP loopback): the fake sends the keepUpToDate update that opens a
 * new 5-minute bar (closing the last one), the IBKR feed hands the closed bar
 * to the engine, an agent reverses its position on every bar, and the clock
 * stops when the bytes of the PLACE_ORDER message reach the fake's thread. The peer is the floor
 * under any such path: a bare TCP echo round trip to the same thread.
 */
const ROUNDS = 70;
const PACE_MS = 100;
const FIVE_MIN = 300_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

registerBenchFlip();

async function echoPeer(port: number) {
  const sock = connect({ host: '127.0.0.1', port });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  return echoRoundTrips(sock, 120);
}

export default async function (): Promise<BenchRow[]> {
  const entry = new URL('../tests/ibkr/bench-worker.ts', import.meta.url);
  const { worker: server, next } = benchWorker(entry);
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
  const handled: number[] = [];
  for (let k = 1; k <= ROUNDS; k++) {
    await sleep(PACE_MS / 2);
    for (let e = 0; e < hello.symbols.length; e++) echoes.push(await echo.roundTrip());
    await sleep(PACE_MS / 2);
    time.advanceTo(hello.lastBarTime + k * FIVE_MIN + 100);
    const answer = next();
    server.postMessage({ round: k });
    const got = (await answer) as { latencies: number[]; handled: number[] };
    latencies.push(...got.latencies);
    handled.push(...got.handled);
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
  // The fake's own work: the PLACE_ORDER handled after the messages before it in its chunk.
  const handledWarm = handled.slice(hello.symbols.length * 10);
  process.stdout.write(`ibkr-latency: handled by the fake p50 ${quantile(handledWarm, 0.5).toFixed(2)} ms, p99 ${quantile(handledWarm, 0.99).toFixed(2)} ms\n`);
  const label = `bar on the fake TWS -> PLACE_ORDER bytes back at it (on arrival), 5 FX pairs, TCP loopback, real engine (${warm.length} orders)`;
  return [
    { name: `${label}, p50`, value: p50, unit: 'ms', higherIsBetter: false, peer: 'bare TCP echo round trip to the fake TWS thread, p50', peerValue: quantile(peer, 0.5) },
    { name: `${label}, p99`, value: p99, unit: 'ms', higherIsBetter: false, peer: 'bare TCP echo round trip to the fake TWS thread, p99', peerValue: quantile(peer, 0.99), target: 'p99 <= 5 ms', targetMet: p99 <= 5 && missing === 0 },
  ];
}

/** Where the time goes, from the profiles (printed under the rows and kept with them in BENCHMARKS.md). */
export const analysis = [
  "PLACE_ORDER is now timed when its bytes reach the fake TWS's thread (over plain TCP this equals handling it: p50 1.26 ms). The messages of one run now leave in one write (relay/ops/socket-batch.ts): each loopback write woke the fake's side for 0.15-0.2 ms, paid again before every later pair's order; the read carrying the other four pairs' updates is handled in 0.63 ms instead of 1.0-1.35 ms. At load 3: p50 1.05 ms, p99 3.93 ms, target met (earlier runs at load 6.5: p99 33 ms, the echo peer's own 17.6 ms: the tail is the machine).",
].join('\n');
