import { IbkrBroker } from '../../workers/brokers/ibkr/ibkr-broker.ts';
import { IbkrClient } from '../../workers/brokers/ibkr/client.ts';
import type { EngineEventInput } from '../../workers/trading/events.ts';
import { TcpTransport } from '../../relay/ibkr/tcp-transport.ts';
import { ManualTime } from '../ctrader/helpers.ts';
import { fakeContractBook } from './contract-book.ts';
import { FakeTws, type FakeTwsOptions } from './fake-tws.ts';

export const T0 = Date.UTC(2024, 0, 2, 14, 30);
export const MIN = 60_000;

/** A fake TWS, a client on simulated time, and a broker over it whose events are collected. */
export async function brokerOnFake(o: FakeTwsOptions = {}, time = new ManualTime(T0), existing?: FakeTws) {
  const fake = existing ?? new FakeTws({ accounts: ['DU111111'], nextValidId: 100, now: () => time.now(), ...o });
  const port = existing ? (fake as unknown as { port: number }).port : await fake.listen();
  (fake as unknown as { port: number }).port = port;
  const logs: string[] = [];
  const log = (l: string, m: string) => void logs.push(`${l}: ${m}`);
  const client = new IbkrClient({ transport: () => new TcpTransport({ host: '127.0.0.1', port }), clock: time, scheduler: time, clientId: 7, log });
  const marks: Record<string, number> = { GOOG: 140, ES: 4700 };
  const events: EngineEventInput[] = [];
  const broker = new IbkrBroker({ client, contracts: fakeContractBook(), account: null, markPrice: (s) => marks[s], clock: time, scheduler: time, log }, (e) => void events.push(e));
  const of = (type: string) => events.filter((e) => e.type === type);
  const placed = () => fake.received.filter((r) => r.fields[0] === '3');
  return { fake, time, client, broker, events, of, marks, logs, placed };
}

export const intent = (o: Partial<{ clientOrderId: string; agentId: string; symbol: string; side: 1 | -1; volumeUnits: number; stopDistance: number | null; targetDistance: number | null }> = {}) => ({
  clientOrderId: 'a1:GOOG:1704205800000:E',
  agentId: 'a1',
  symbol: 'GOOG',
  side: 1 as const,
  volumeUnits: 10,
  stopDistance: 2,
  targetDistance: 5,
  decidedAt: T0,
  ...o,
});
