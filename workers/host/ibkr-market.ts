import type { BrokerEventSink } from '../brokers/broker.ts';
import type { Scheduler } from '../brokers/ctrader/scheduler.ts';
import { IbkrClient, type IbkrHealth } from '../brokers/ibkr/client.ts';
import { IbkrBroker } from '../brokers/ibkr/ibkr-broker.ts';
import { IbkrInstruments } from '../brokers/ibkr/instruments.ts';
import { IbkrLiveFeed } from '../brokers/ibkr/live-feed.ts';
import type { IbkrTransport } from '../brokers/ibkr/transport.ts';
import type { Timeframe } from '../market/timeframe.ts';
import type { Clock } from '../trading/clock.ts';
import { eventId } from '../trading/events.ts';
import type { LiveMarket } from './live-host.ts';

export interface IbkrMarketOptions {
  /** A fresh transport per connection attempt: TCP on the relay, the relay's tunnel in a browser. */
  transport: () => IbkrTransport;
  clock: Clock;
  scheduler: Scheduler;
  clientId: number;
  /** The managed account orders go to; null: the first one TWS lists. */
  account: string | null;
  /** What the trader picked: 1 live, 3 delayed, 4 delayed-frozen (the feed falls back to delayed on 354). */
  marketDataType: 1 | 3 | 4;
  subscriptions: readonly { symbol: string; timeframe: Timeframe }[];
  /** The port is a paper one (7497 TWS, 4002 Gateway): shown in the name. */
  paper: boolean;
  /** No bar for this long during a session: an alert (the feed's default when absent). */
  noBarAfterMs?: number;
  backoff?: { firstMs?: number; maxMs?: number };
  /** Bars asked from IB when the store holds none of a subscription (default 500). */
  historyBars?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  onAlert?: (text: string) => void;
}

/** How often the contracts' details (trading hours, tick rules) are asked again on one connection. */
export const HOURS_REFRESH_MS = 12 * 3_600_000;

export interface IbkrMarket extends LiveMarket {
  health(): IbkrHealth;
  readonly instruments: IbkrInstruments;
  readonly broker: IbkrBroker;
  readonly feed: IbkrLiveFeed;
}

/**
 * An Interactive Brokers account as a live host's market. The order of the
 * ready handlers is the point of this file: after every (re)connect the
 * contracts are resolved first (the broker recognises positions by conId),
 * then the broker reconciles positions, orders and fills, and only then does
 * the feed resubscribe, so no bar reaches an agent before its position is known.
 */
export function ibkrMarket(o: IbkrMarketOptions): (sink: BrokerEventSink) => IbkrMarket {
  return (sink) => {
    const client = new IbkrClient({ transport: o.transport, clock: o.clock, scheduler: o.scheduler, clientId: o.clientId, backoff: o.backoff, log: o.log });
    const instruments = new IbkrInstruments();
    const symbols = [...new Set(o.subscriptions.map((s) => s.symbol))];
    // IB sends about a week of trading hours with the contract: asked again every 12 h on a long-lived connection, so daily bars keep completing at the session's end.
    let stopRefresh: (() => void) | null = null;
    const refreshHours = () => {
      stopRefresh?.();
      stopRefresh = o.scheduler.after(HOURS_REFRESH_MS, () => {
        const session = client.session;
        if (session) void instruments.resolve(session, symbols).catch((e: Error) => o.log?.('warn', `IBKR: contract details not refreshed: ${e.message}`));
        refreshHours();
      });
    };
    client.onReady(async ({ session }) => {
      refreshHours();
      await instruments.resolve(session, symbols);
    });
    let feed: IbkrLiveFeed | null = null;
    let alerts = 0;
    const broker = new IbkrBroker(
      { client, contracts: instruments, account: o.account, markPrice: (s) => feed?.lastClose(s), clock: o.clock, scheduler: o.scheduler, log: o.log },
      sink,
    );
    feed = new IbkrLiveFeed({
      client,
      instruments,
      subscriptions: o.subscriptions,
      clock: o.clock,
      scheduler: o.scheduler,
      marketDataType: o.marketDataType,
      // Bars since the last stored one when there is one (resumeAfter); an empty store gets this many from IB to warm its agents on.
      historyBars: o.historyBars ?? 500,
      ...(o.noBarAfterMs !== undefined ? { noBarAfterMs: o.noBarAfterMs } : {}),
      // The feed's alerts (no bar for too long, delayed data) go into the record, where every alert channel reads them.
      onAlert: (text, symbol) => {
        o.onAlert?.(text);
        const time = o.clock.now();
        sink({ id: eventId.riskNotice('market-data', `ibkr:${symbol ?? ''}:${time}:${++alerts}`), type: 'risk.notice', agentId: '', time, payload: { code: 'market-data', message: text, ...(symbol ? { symbol } : {}) } });
      },
      log: o.log,
    });
    const liveFeed = feed;
    const name = `IBKR ${o.paper ? 'paper' : 'live'}`;
    return {
      name,
      broker,
      feed: liveFeed,
      instruments,
      subscriptions: o.subscriptions,
      instrument: (symbol) => instruments.instrument(symbol),
      expectOpen: (positions) => broker.expectOpen(positions),
      connect: () => client.start(),
      disconnect: () => {
        stopRefresh?.();
        liveFeed.stop();
        client.stop();
      },
      status: () => {
        const h = client.health();
        if (h.state === 'ready') return { connected: true, lastHeartbeat: h.lastMessageAt };
        const doing = { idle: 'not started yet', connecting: 'connecting', reconnecting: 'reconnecting', stopped: 'stopped', ready: 'ready' }[h.state];
        return { connected: false, lastHeartbeat: h.lastMessageAt, message: `${doing}${h.lastError ? `; last error: ${h.lastError}` : ''}` };
      },
      health: () => client.health(),
      feedStatus: () => liveFeed.status(),
      onFeedStatus: (fn) => void liveFeed.onStatus(fn),
      resumeAfter: (symbol, timeframe, barTime) => liveFeed.resumeAfter(symbol, timeframe, barTime),
    };
  };
}
