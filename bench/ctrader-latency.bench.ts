import { connect as tlsConnect } from 'node:tls';
import { wallScheduler } from '../workers/brokers/ctrader/scheduler.ts';
import { CTraderConnection } from '../workers/brokers/ctrader/connection.ts';
import { CTraderBroker } from '../workers/brokers/ctrader/ctrader-broker.ts';
import { CTraderLiveFeed } from '../workers/brokers/ctrader/live-feed.ts';
import { SymbolCatalog } from '../workers/brokers/ctrader/symbols.ts';
import { Engine } from '../workers/engine/engine.ts';
import { EventJournal } from '../workers/engine/journal.ts';
import { wallClock } from '../workers/trading/wall-clock.ts';
import { NodeSocketTransport } from '../relay/ctrader/transport.node.ts';
import { CLIENT, ManualTime, SYMBOLS, TOKEN, tokenList } from '../tests/ctrader/helpers.ts';
import { quantile, type BenchRow } from './lib.ts';
import { benchWorker, echoRoundTrips, registerBenchFlip } from './latency-kit.ts';

/**
 * Bar close to order on the wire, for 5 symbols over TLS on loopback: the
 * fake cTrader server sends the tick that opens a new bar (closing the last
 * one), the live feed hands the closed bar to the engine, an agent reverses
 * its position on every bar, and the clock stops when the NewOrderReq frame
 * reaches the server (which runs on its own thread, like a remote server).
 * The peer is the floor under any such path: a bare TLS echo round trip on
 * the same loopback.
 */
const ROUNDS = 70;
/**
 * Each bar close sends 10 requests (5 closes, 5 entries) and cTrader allows
 * 50 a second, so bars are paced; the echo peer is measured in the same
 * rhythm (after the same idle pause), so both see the same machine.
 */
const PACE_MS = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MIN = 60_000;

registerBenchFlip();

/** A client of the worker's bare TLS echo: the floor under any request/response path across the same loopback and threads. */
async function echoPeer(port: number, ca: string) {
  const sock = tlsConnect({ host: '127.0.0.1', port, ca });
  await new Promise<void>((r) => sock.once('secureConnect', () => r()));
  return echoRoundTrips(sock, 40);
}

export default async function (): Promise<BenchRow[]> {
  // The worker loads TypeScript through tsx's loader, registered inside the thread.
  const entry = new URL('../tests/ctrader/fake/bench-worker.ts', import.meta.url);
  const { worker: server, next } = benchWorker(entry);
  const hello = (await next()) as { port: number; echoPort: number; cert: { key: string; cert: string }; t0: number };
  const cert = hello.cert;
  const T0 = hello.t0;
  const time = new ManualTime(T0);
  const journal = new EventJournal({ retain: false });
  const connection = new CTraderConnection({
    transport: new NodeSocketTransport({ host: '127.0.0.1', port: hello.port, ca: cert.cert }),
    clock: wallClock,
    timers: wallScheduler,
    credentials: CLIENT,
    tokens: tokenList([TOKEN]),
    live: false,
  });
  const symbols = new SymbolCatalog(connection);
  connection.onReady(async () => void (await symbols.load(SYMBOLS.map((s) => s.name))));
  // Market time for the feed, broker and engine; I/O (heartbeats, timeouts, rate limits) on real time.
  const broker = new CTraderBroker({ connection, symbols, clock: time }, (e) => journal.append(e));
  const feed = new CTraderLiveFeed({ connection, symbols, subscriptions: SYMBOLS.map((s) => ({ symbol: s.name, timeframe: 'M1' as const })), clock: time, timers: time, graceMs: 2000 });
  const engine = new Engine({ clock: time, broker, journal, instrument: (s) => symbols.instrument(s) });
  await connection.start();
  engine.addAgent({ id: 'bench', name: 'bench', symbols: SYMBOLS.map((s) => s.name), timeframe: 'M1', alpha: { kind: 'rule', strategy: 'bench-flip', params: {} }, sizing: { kind: 'fixed', units: 10_000 }, maxPositionPct: 1e6, stopAtr: null, targetAtr: null, trailAtr: null, atrPeriod: 14 });
  void feed.run((sym, tf, bar) => engine.onBar(sym, tf, bar));
  await sleep(100);

  const echo = await echoPeer(hello.echoPort, cert.cert);
  const echoes: number[] = [];
  const latencies: number[] = [];
  // Bar 1 only opens the first bar the feed knows (it subscribed mid-bar).
  for (let k = 1; k <= ROUNDS; k++) {
    await sleep(PACE_MS / 2);
    for (let e = 0; e < SYMBOLS.length; e++) echoes.push(await echo.roundTrip());
    await sleep(PACE_MS / 2);
    time.advanceTo(T0 + k * MIN + 100);
    const answer = next();
    server.postMessage({ round: k });
    latencies.push(...((await answer) as { latencies: number[] }).latencies);
  }
  feed.stop();
  connection.stop();
  echo.close();
  server.postMessage({ stop: true });
  await new Promise((r) => server.once('exit', r));
  // Then 10 rounds of warm-up.
  const warm = latencies.slice(SYMBOLS.length * 10);
  const peer = echoes.slice(SYMBOLS.length * 11);
  const p50 = quantile(warm, 0.5);
  const p99 = quantile(warm, 0.99);
  const missing = (ROUNDS - 1) * SYMBOLS.length - latencies.length;
  if (missing > 0) process.stdout.write(`ctrader-latency: ${missing} bar closes produced no order within 1 s\n`);
  const label = `bar close on the fake cTrader server -> NewOrderReq frame back at it, 5 symbols, TLS loopback, real engine (${warm.length} orders)`;
  return [
    { name: `${label}, p50`, value: p50, unit: 'ms', higherIsBetter: false, peer: 'bare TLS echo round trip to the server thread, p50', peerValue: quantile(peer, 0.5) },
    { name: `${label}, p99`, value: p99, unit: 'ms', higherIsBetter: false, peer: 'bare TLS echo round trip to the server thread, p99', peerValue: quantile(peer, 0.99), target: 'p99 <= 5 ms', targetMet: p99 <= 5 && missing === 0 },
  ];
}
