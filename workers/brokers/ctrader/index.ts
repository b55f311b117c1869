/**
 * cTrader Open API adapter: one connection (auth, heartbeats, reconnects,
 * rate limits), the symbol catalog, the live bar feed and the broker. The
 * transport is the only platform-specific part: WebSocketTransport here,
 * NodeSocketTransport (TLS) in relay/ctrader.
 */
import type { Clock, Timers } from '../../trading/clock.ts';
import type { BrokerEventSink } from '../broker.ts';
import { CTraderConnection, type CTraderConnectionOptions } from './connection.ts';
import { CTraderBroker } from './ctrader-broker.ts';
import { CTraderLiveFeed, type LiveSubscription } from './live-feed.ts';
import type { Scheduler } from './scheduler.ts';
import { SymbolCatalog } from './symbols.ts';

export { CTraderConnection, CTraderDisconnectedError, type TokenProvider, type CTraderConnectionOptions } from './connection.ts';
export { CTraderBroker, NOT_RECEIVED } from './ctrader-broker.ts';
export { CTraderLiveFeed, type LiveSubscription } from './live-feed.ts';
export { SymbolCatalog, type CTraderSymbol } from './symbols.ts';
export { CTraderError, explainError } from './errors.ts';
export { WebSocketTransport, CTRADER_WS_HOSTS } from './transport.web.ts';
export type { CTraderTransport } from './transport.ts';
export { wallScheduler, type Scheduler } from './scheduler.ts';

export function createCTraderConnection(o: CTraderConnectionOptions): CTraderConnection {
  return new CTraderConnection(o);
}

export interface CTraderSessionOptions extends CTraderConnectionOptions {
  subscriptions: readonly LiveSubscription[];
  emit: BrokerEventSink;
  clock: Clock;
  timers: Timers | Scheduler;
  graceMs?: number;
  historyBars?: number;
}

/**
 * Everything wired in the right order: the broker reconciles before the feed
 * resubscribes, so after a reconnect positions are settled before new bars
 * reach the agents. Call `start()` on the connection, then `feed.run(...)`.
 */
export function createCTraderSession(o: CTraderSessionOptions): { connection: CTraderConnection; symbols: SymbolCatalog; broker: CTraderBroker; feed: CTraderLiveFeed } {
  const connection = new CTraderConnection(o);
  const symbols = new SymbolCatalog(connection);
  // Symbol details first: the broker's reconcile needs them to recognise positions.
  connection.onReady(async () => void (await symbols.load([...new Set(o.subscriptions.map((s) => s.symbol))])));
  const broker = new CTraderBroker({ connection, symbols, clock: o.clock, log: o.log }, o.emit);
  const feed = new CTraderLiveFeed({ connection, symbols, subscriptions: o.subscriptions, clock: o.clock, timers: o.timers, graceMs: o.graceMs, historyBars: o.historyBars, log: o.log, onAlert: o.onAlert });
  return { connection, symbols, broker, feed };
}
