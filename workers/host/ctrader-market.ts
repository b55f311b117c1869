import type { BrokerEventSink } from '../brokers/broker.ts';
import type { LiveMarket } from './live-host.ts';
import { createCTraderSession, type CTraderSessionOptions } from '../brokers/ctrader/index.ts';
import type { ConnectionHealth } from '../brokers/ctrader/connection.ts';

export type CTraderMarketOptions = Omit<CTraderSessionOptions, 'emit' | 'historyBars'>;

/**
 * A cTrader account as a live host's market: the session's broker and live
 * bars, connected and reconciled before the first bar. History is left to the
 * host, which warms its agents on stored bars; backfill after a reconnect
 * still flows through the feed and only warms them up (the host treats late
 * bars as stale).
 */
export interface CTraderMarket extends LiveMarket {
  health(): ConnectionHealth;
}

export function ctraderMarket(o: CTraderMarketOptions): (sink: BrokerEventSink) => CTraderMarket {
  return (sink) => {
    const { connection, symbols, broker, feed } = createCTraderSession({ ...o, emit: sink, historyBars: 0 });
    return {
      name: o.live ? 'cTrader live' : 'cTrader demo',
      broker,
      feed,
      subscriptions: o.subscriptions,
      instrument: (symbol) => symbols.instrument(symbol),
      connect: () => connection.start(),
      disconnect: () => connection.stop(),
      status: () => {
        const h = connection.health();
        return { connected: h.state === 'ready', lastHeartbeat: h.lastMessageAt };
      },
      health: () => connection.health(),
      feedStatus: () => feed.status(),
      onFeedStatus: (fn) => void feed.onStatus(fn),
      resumeAfter: (symbol, timeframe, barTime) => feed.resumeAfter(symbol, timeframe, barTime),
    };
  };
}
