import { IbkrClient, type IbkrClientOptions } from '../../workers/brokers/ibkr/client.ts';
import { IbkrInstruments } from '../../workers/brokers/ibkr/instruments.ts';
import { IbkrLiveFeed, type IbkrLiveFeedOptions } from '../../workers/brokers/ibkr/live-feed.ts';
import type { Timeframe } from '../../workers/market/timeframe.ts';
import { TcpTransport } from '../../relay/ibkr/tcp-transport.ts';
import { ManualTime } from '../ctrader/helpers.ts';
import type { FakeBar } from './fake-market.ts';
import { FakeTws, type FakeTwsOptions } from './fake-tws.ts';

export type Got = { symbol: string; tf: Timeframe; at: number } & FakeBar;

/**
 * A fake TWS whose market is at the simulated time, a client, the contract
 * book resolved on each ready, and a running feed, as the market wiring does:
 * contracts first, then (the broker, then) the feed. `close` stops all three.
 */
export async function feedOnFake(t0: number, subscriptions: { symbol: string; timeframe: Timeframe }[], o: Partial<IbkrLiveFeedOptions> = {}, f: FakeTwsOptions = {}, c: Partial<IbkrClientOptions> = {}) {
  const time = new ManualTime(t0);
  const tws = new FakeTws({ now: () => time.now(), historyUntil: () => time.now(), ...f });
  const port = await tws.listen();
  const logs: string[] = [];
  const log = (l: string, m: string) => void logs.push(`${l}: ${m}`);
  const client = new IbkrClient({ transport: () => new TcpTransport({ host: '127.0.0.1', port }), clock: time, scheduler: time, clientId: 7, log, ...c });
  const instruments = new IbkrInstruments();
  client.onReady(({ session }) => instruments.resolve(session, subscriptions.map((s) => s.symbol)));
  const alerts: string[] = [];
  const feed = new IbkrLiveFeed({ client, instruments, subscriptions, clock: time, scheduler: time, marketDataType: 1, onAlert: (a) => void alerts.push(a), log, ...o });
  const statuses: string[] = [];
  feed.onStatus((s) => void statuses.push(s));
  const got: Got[] = [];
  const steps: number[] = [];
  const close = async () => {
    feed.stop();
    client.stop();
    await tws.close();
  };
  try {
    await client.start();
  } catch (e) {
    await close();
    throw e;
  }
  void feed.run((symbol, tf, bar) => void got.push({ symbol, tf, at: time.now(), ...bar }), (closeTime) => void steps.push(closeTime));
  /** A current-time round trip: everything the fake sent before it has been read. */
  const barrier = () => client.session!.currentTime();
  const stream = (symbol: string) => [...tws.streams].filter(([, s]) => s === symbol).at(-1)?.[0];
  /** The real-time bar requests the fake received, in order: connection, request id, fields. */
  const realTimeAsks = () => tws.received.filter((r) => r.fields[0] === '50').map((r) => ({ conn: r.conn, reqId: Number(r.fields[2]), fields: r.fields }));
  return { time, fake: tws, client, feed, got, steps, alerts, logs, statuses, stream, barrier, realTimeAsks, close };
}
