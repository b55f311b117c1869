import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { wallScheduler } from '../workers/brokers/ctrader/scheduler.ts';
import { CTraderConnection } from '../workers/brokers/ctrader/connection.ts';
import { CTraderBroker } from '../workers/brokers/ctrader/ctrader-broker.ts';
import { CTraderLiveFeed } from '../workers/brokers/ctrader/live-feed.ts';
import { SymbolCatalog } from '../workers/brokers/ctrader/symbols.ts';
import { decodeMessage } from '../workers/brokers/ctrader/codec.ts';
import type { AgentConfig } from '../workers/engine/agent-config.ts';
import { Engine } from '../workers/engine/engine.ts';
import { EventJournal } from '../workers/engine/journal.ts';
import { LiveHost } from '../workers/host/live-host.ts';
import { wallClock } from '../workers/trading/wall-clock.ts';
import { NodeSocketTransport } from '../relay/ctrader/transport.node.ts';
import { loadModelNode } from '../relay/host/node-host.ts';
import { openSqliteStore } from '../relay/store/sqlite-store.ts';
import { CLIENT, ManualTime, SYMBOLS, TOKEN, tokenList } from '../tests/ctrader/helpers.ts';
import { quantile, type BenchRow } from './lib.ts';
import { benchWorker, echoRoundTrips, registerBenchFlip } from './latency-kit.ts';

/**
 * Bar close to order on the wire, for 5 symbols over TLS on loopback: the
 * fake cTrader server sends the tick that opens a new bar (closing the last
 * one), the live feed hands the closed bar to the engine, an agent reverses
 * its position on every bar, and the clock stops when the bytes carrying the
 * NewOrderReq reach the server (which runs on its own thread, like a remote
 * server). Measured twice: the bare engine, and the relay's LiveHost with its
 * SQLite store (the journal written as the relay writes it). The peer is the
 * floor under any such path: a bare TLS echo round trip on the same loopback.
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

const AGENT: AgentConfig = { id: 'bench', name: 'bench', symbols: SYMBOLS.map((s) => s.name), timeframe: 'M1', alpha: { kind: 'rule', strategy: 'bench-flip', params: {} }, sizing: { kind: 'fixed', units: 10_000 }, maxPositionPct: 1e6, stopAtr: null, targetAtr: null, trailAtr: null, atrPeriod: 14 };

/** A client of the worker's bare TLS echo: the floor under any request/response path across the same loopback and threads. */
async function echoPeer(port: number, ca: string) {
  const sock = tlsConnect({ host: '127.0.0.1', port, ca });
  await new Promise<void>((r) => sock.once('secureConnect', () => r()));
  return echoRoundTrips(sock, 40);
}

/**
 * The client's own share, on its thread alone: a spot frame decoded -> the
 * NewOrderReq of its symbol written to the socket. Frames are decoded after
 * the round, off the path.
 */
const client = { spotAt: new Map<number, number>(), sent: [] as { at: number; frame: Uint8Array }[], own: [] as number[] };
function clientShare(): void {
  for (const { at, frame } of client.sent) {
    const m = decodeMessage(frame);
    const t = client.spotAt.get(m.payload.symbolId as number);
    if (m.name === 'ProtoOANewOrderReq' && t !== undefined) client.own.push(at - t);
  }
  client.sent = [];
  client.spotAt.clear();
}

/** The cTrader session the bench trades on: I/O (heartbeats, timeouts, rate limits) on real time, market time for the feed and the broker. */
function session(port: number, ca: string, time: ManualTime, emit: ConstructorParameters<typeof CTraderBroker>[1]) {
  const transport = new NodeSocketTransport({ host: '127.0.0.1', port, ca });
  const send = transport.send.bind(transport);
  transport.send = (frame) => {
    const ok = send(frame);
    // The transport writes when the run is done, in a microtask queued before this one: stamped after it.
    const sent = { at: 0, frame };
    client.sent.push(sent);
    queueMicrotask(() => (sent.at = performance.now()));
    return ok;
  };
  const connection = new CTraderConnection({ transport, clock: wallClock, timers: wallScheduler, credentials: CLIENT, tokens: tokenList([TOKEN]), live: false });
  // Registered before the feed's listener: told of each spot first.
  connection.on((m) => void (m.name === 'ProtoOASpotEvent' && client.spotAt.set(m.payload.symbolId as number, performance.now())));
  const symbols = new SymbolCatalog(connection);
  connection.onReady(async () => void (await symbols.load(SYMBOLS.map((s) => s.name))));
  const broker = new CTraderBroker({ connection, symbols, clock: time }, emit);
  const subscriptions = SYMBOLS.map((s) => ({ symbol: s.name, timeframe: 'M1' as const }));
  const feed = new CTraderLiveFeed({ connection, symbols, subscriptions, clock: time, timers: time, graceMs: 2000 });
  return { connection, symbols, broker, feed, subscriptions };
}

/** The bare engine on the session: its journal keeps nothing and has no listener. */
export async function bareEngine(port: number, ca: string, time: ManualTime): Promise<() => Promise<void>> {
  const journal = new EventJournal({ retain: false });
  const { connection, symbols, broker, feed } = session(port, ca, time, (e) => journal.append(e));
  const engine = new Engine({ clock: time, broker, journal, instrument: (s) => symbols.instrument(s) });
  await connection.start();
  engine.addAgent(AGENT);
  void feed.run((sym, tf, bar) => engine.onBar(sym, tf, bar));
  return async () => {
    feed.stop();
    connection.stop();
  };
}

/** The relay's live workspace on the session: LiveHost over a SQLite store, the agent created by command. */
export async function relayHost(port: number, ca: string, time: ManualTime): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-ctrader-latency-'));
  const store = openSqliteStore(join(dir, 'relay.db'));
  const host = await LiveHost.open({
    store,
    wallClock: time,
    // As the relay runs it: a scheduler on the host's clock (the bound on a step's deferred write).
    scheduler: time,
    owner: 'relay',
    loadModel: loadModelNode,
    market: (sink) => {
      const { connection, symbols, broker, feed, subscriptions } = session(port, ca, time, sink);
      return {
        name: 'cTrader demo',
        broker,
        feed,
        subscriptions,
        instrument: (s) => symbols.instrument(s),
        connect: () => connection.start(),
        disconnect: () => connection.stop(),
        status: () => ({ connected: connection.ready, lastHeartbeat: null }),
      };
    },
  });
  await host.start();
  const created = await host.command({ kind: 'agent.create', config: AGENT });
  if (!created.ok) throw new Error(`ctrader-latency: the bench agent was refused: ${created.reason}`);
  return async () => {
    await host.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  };
}

/** Rounds of 5 bar closes against a fresh fake server; the first 10 warm up (exported for profiling: node --cpu-prof, heap sampling). */
export async function measure(open: typeof bareEngine) {
  // The worker loads TypeScript through tsx's loader, registered inside the thread.
  const { worker: server, next } = benchWorker(new URL('../tests/ctrader/fake/bench-worker.ts', import.meta.url));
  const hello = (await next()) as { port: number; echoPort: number; cert: { key: string; cert: string }; t0: number };
  const time = new ManualTime(hello.t0);
  const close = await open(hello.port, hello.cert.cert, time);
  await sleep(100);
  const echo = await echoPeer(hello.echoPort, hello.cert.cert);
  const echoes: number[] = [];
  const latencies: number[] = [];
  const handled: number[] = [];
  // Bar 1 only opens the first bar the feed knows (it subscribed mid-bar).
  for (let k = 1; k <= ROUNDS; k++) {
    await sleep(PACE_MS / 2);
    for (let e = 0; e < SYMBOLS.length; e++) echoes.push(await echo.roundTrip());
    await sleep(PACE_MS / 2);
    time.advanceTo(hello.t0 + k * MIN + 100);
    const answer = next();
    server.postMessage({ round: k });
    const got = (await answer) as { latencies: number[]; handled: number[] };
    latencies.push(...got.latencies);
    handled.push(...got.handled);
    if (k === 10) client.own = [];
    clientShare();
  }
  await close();
  echo.close();
  server.postMessage({ stop: true });
  await new Promise((r) => server.once('exit', r));
  const warm = SYMBOLS.length * 10;
  const own = client.own;
  client.own = [];
  return { wire: latencies.slice(warm), handled: handled.slice(warm), own, peer: echoes.slice(warm + SYMBOLS.length), missing: (ROUNDS - 1) * SYMBOLS.length - latencies.length };
}

export default async function (): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [what, open] of [['real engine', bareEngine], ["the relay's LiveHost and SQLite store", relayHost]] as const) {
    const m = await measure(open);
    if (m.missing > 0) process.stdout.write(`ctrader-latency (${what}): ${m.missing} bar closes produced no order within 1 s\n`);
    // Where the time goes: the client's own share, and the fake's (the order frame handled after the frames before it in its chunk).
    const ms = (xs: number[]) => `p50 ${quantile(xs, 0.5).toFixed(2)} ms, p99 ${quantile(xs, 0.99).toFixed(2)} ms`;
    process.stdout.write(`ctrader-latency (${what}): client, spot decoded -> NewOrderReq written: ${ms(m.own)}; handled by the fake: ${ms(m.handled)}\n`);
    const p99 = quantile(m.wire, 0.99);
    const label = `bar close on the fake cTrader server -> NewOrderReq bytes back at it, 5 symbols, TLS loopback, ${what} (${m.wire.length} orders)`;
    rows.push(
      { name: `${label}, p50`, value: quantile(m.wire, 0.5), unit: 'ms', higherIsBetter: false, peer: 'bare TLS echo round trip to the server thread, p50', peerValue: quantile(m.peer, 0.5) },
      { name: `${label}, p99`, value: p99, unit: 'ms', higherIsBetter: false, peer: 'bare TLS echo round trip to the server thread, p99', peerValue: quantile(m.peer, 0.99), target: 'p99 <= 5 ms', targetMet: p99 <= 5 && m.missing === 0 },
    );
  }
  return rows;
}

/** Where the time goes, from the profiles (printed under the rows and kept with them in BENCHMARKS.md). */
export const analysis = [
  "Issue 18 item 6. Found with timelines (perf_hooks stamps on both threads), --trace-gc, PerformanceObserver('gc') and heap sampling, and fixed on the path: (1) Node's TLS socket finishes a write a loop turn later and keeps writes made meanwhile in memory, so a reversal's NewOrderReq (written after its ClosePositionReq) and every later symbol's order waited for all the work left in that turn: the frames of one run now leave in one write when it is done (relay/ops/socket-batch.ts; LiveHost p50 3.8-7.2 ms -> 1.85-3.1 ms at load 3-12); (2) the relay's LiveHost wrote the journal to SQLite (synchronous) in a microtask after each bar, between one step's bars: 0.35-0.94 ms a step, 8.8 and 15.9 ms in two of 70 rounds; a step is now written when it ends; (3) protobufjs generated each message type's code at its first use, 5-25 ms on the first live order: now at connect. Nagle is not it (TCP_NODELAY is set on both ends, strace). The order is now timed when its bytes reach the fake's thread (before: after the fake had handled the frames ahead of it in the chunk, 2.2-2.8 ms of its own work at p50). Where the time goes now: the client, spot decoded -> its run written, p50 0.9 ms (the bars of one read are decided, then written together); the rest is the fake's thread: in the worst rounds it was descheduled for 5-17 ms with no collection on either thread (the client had sent everything), and the echo peer's own p99 was 2.4-5 ms. Client GC: ~370 KB allocated a round under tsx (protobuf decoding ~40 %, int64 LongBits included; tsx's __name wrappers add some), a scavenge every ~20 rounds (1.3-5.7 ms). The 5 ms p99 needs a quieter machine to judge: at load 3 the bare engine's p99 was 8.2 ms against 2.35 ms for the echo.",
].join('\n');
