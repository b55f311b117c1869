import type { Clock } from '../../workers/trading/clock.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import { eventId } from '../../workers/trading/events.ts';
import type { Broker, BrokerEventSink } from '../../workers/brokers/broker.ts';
import { ctraderMarket, type CTraderMarketOptions } from '../../workers/host/ctrader-market.ts';
import { wallScheduler, type Scheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import type { CTraderTransport } from '../../workers/brokers/ctrader/transport.ts';
import { LiveHost, type LiveMarket } from '../../workers/host/live-host.ts';
import { guessInstrument } from '../../workers/market/instrument.ts';
import { isTimeframe, type Timeframe } from '../../workers/market/timeframe.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { CTRADER_ACCOUNT_SETTING, CTRADER_SYMBOLS_SETTING, NO_TOKENS, NOT_CONFIGURED, NOT_CONNECTED } from '../ctrader/account-manager.ts';
import type { RelayTokens } from '../ctrader/relay-tokens.ts';
import { endpointTransport } from '../ctrader/transport.node.ts';
import type { RelayConfig } from '../config/config.ts';
import { loadModelNode } from '../host/node-host.ts';
import { ibkrMarket } from '../../workers/host/ibkr-market.ts';
import { timeOrdersOnWire } from './order-wire.ts';
import { ibkrMarketSetup, ibkrSetupProblem, type IbkrMarketFactory } from '../ibkr/market-setup.ts';
import { registerIbkrHealth, type IbkrLiveHealth } from '../ibkr/live-status.ts';
import { registerIbkrScreenMarket, type IbkrScreenMarket } from '../lab/screen-broker.ts';
import { readIbkrSettings, readLiveBroker } from '../ibkr/settings-store.ts';
import type { IbkrTransport } from '../../workers/brokers/ibkr/transport.ts';

/** The bar timeframe live agents trade (Settings > cTrader); M5 unless set. */
export const LIVE_TIMEFRAME_SETTING = 'ctrader.timeframe';

export interface LiveWorkspaceOptions {
  config: RelayConfig;
  store: EngineStore;
  /** By default TLS to the configured cTrader servers (TG_CTRADER_*_HOST, TG_CTRADER_CA_FILE). */
  transport?: (live: boolean) => CTraderTransport;
  /** The relay's cTrader grant (openRelayTokens), shared with the Settings connection: one refresher per grant. */
  tokens: RelayTokens;
  clock?: Clock;
  scheduler?: Scheduler;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Each entry's bar close to order on the wire, in seconds on `clock` (the relay's metrics: server/trading-metrics.ts barCloseToWire). */
  orderOnWire?: (seconds: number) => void;
  /** Interactive Brokers (Settings: 'live.broker' = 'ibkr'): the market (workers/host/ibkr-market.ts ibkrMarket) and, for tests, the transport. */
  ibkr?: { market?: IbkrMarketFactory; transport?: () => IbkrTransport };
}

/**
 * The relay's live workspace (TG_WORKSPACE=live): agents on the cTrader
 * account chosen under Settings > cTrader, or at Interactive Brokers when
 * Settings says so ('live.broker'), trading the symbols picked there, on the
 * wall clock. Until that is set up the workspace still opens, stopped, with
 * the step that is missing as its reason, so the PWA can be used to do it.
 */
export async function openLiveWorkspace(o: LiveWorkspaceOptions): Promise<LiveHost> {
  const clock = o.clock ?? wallClock;
  const scheduler = o.scheduler ?? wallScheduler;
  if ((await readLiveBroker(o.store)) === 'ibkr') return openIbkrWorkspace(o, clock, scheduler);
  const tokens = o.tokens;
  const stored = await tokens.store.get().then(
    (t) => ({ ok: t !== null, problem: null as string | null }),
    (e: Error) => ({ ok: false, problem: e.message }),
  );
  const account = await o.store.settings.get<{ accountId: number; live: boolean }>(CTRADER_ACCOUNT_SETTING);
  const symbols = (await o.store.settings.get<string[]>(CTRADER_SYMBOLS_SETTING)) ?? [];
  const tfSetting = await o.store.settings.get<string>(LIVE_TIMEFRAME_SETTING);
  const timeframe: Timeframe = tfSetting && isTimeframe(tfSetting) ? tfSetting : 'M5';
  const app = o.config.ctrader;
  const wire = (t: CTraderTransport) => (o.orderOnWire ? timeOrdersOnWire(t, { timeframe, clock, observe: o.orderOnWire }) : t);
  const problem = !app
    ? NOT_CONFIGURED
    : !stored.ok
      ? (stored.problem ?? NO_TOKENS)
      : !account
        ? `${NOT_CONNECTED}, then restart the relay`
        : symbols.length === 0
          ? 'pick the symbols to trade under Settings > cTrader, then restart the relay'
          : null;
  const market =
    problem || !app || !account || !tokens.manager
      ? unavailable(problem ?? 'not set up')
      : withConnectionStatus({
          transport: wire((o.transport ?? endpointTransport(o.config.ctraderEndpoints))(account.live)),
          clock,
          timers: scheduler,
          credentials: app,
          tokens: tokens.manager.forConnection(),
          live: account.live,
          accountId: account.accountId,
          subscriptions: symbols.map((symbol) => ({ symbol, timeframe })),
          onAlert: (m) => o.log('error', m),
          log: o.log,
        });
  return LiveHost.open({ store: o.store, wallClock: clock, owner: 'relay', loadModel: loadModelNode, market, scheduler, log: (line) => o.log('info', line) });
}

/**
 * The live workspace at Interactive Brokers, from Settings > Interactive
 * Brokers: TWS or IB Gateway over TCP with the stored client id, account,
 * market data type and symbols. GET /api/ibkr shows the market's own health.
 */
async function openIbkrWorkspace(o: LiveWorkspaceOptions, clock: Clock, scheduler: Scheduler): Promise<LiveHost> {
  const settings = await readIbkrSettings(o.store, o.config.ibkr);
  const make = o.ibkr?.market ?? ibkrMarket;
  const problem = ibkrSetupProblem(settings);
  let health: (() => IbkrLiveHealth) | null = null as (() => IbkrLiveHealth) | null;
  let built: { feed: object } | null = null;
  const market =
    problem
      ? unavailable(problem ?? 'not set up', 'IBKR (not connected)')
      : (sink: BrokerEventSink) => {
          const m = make(ibkrMarketSetup(settings, { clock, scheduler, log: o.log, transport: o.ibkr?.transport }))(sink);
          health = () => m.health();
          built = m;
          return m;
        };
  const host = await LiveHost.open({ store: o.store, wallClock: clock, owner: 'relay', loadModel: loadModelNode, market, scheduler, log: (line) => o.log('info', line) });
  // The market is built when the host opens; until then the client has not started.
  if (!problem) registerIbkrHealth(host, () => health?.() ?? { state: 'idle', lastMessageAt: null });
  // The screener's broker universe reads history on this session (relay/lab/screen-broker.ts); a test's market without a feed lends nothing.
  if (!problem) registerIbkrScreenMarket(host, () => (built && 'instruments' in built && 'readySession' in built.feed ? (built as unknown as IbkrScreenMarket) : null));
  return host;
}


/**
 * The cTrader market, whose status says what a connection that is not up is
 * doing and what went wrong last (cTrader unreachable, a refused login), so
 * the relay can serve and show it while it keeps retrying.
 */
function withConnectionStatus(o: CTraderMarketOptions): (sink: BrokerEventSink) => LiveMarket {
  let lastProblem: string | null = null;
  const note = (m: string) => void (lastProblem = m);
  const make = ctraderMarket({ ...o, onAlert: (m) => (note(m), o.onAlert?.(m)), log: (level, m) => (level !== 'info' && note(m), o.log?.(level, m)) });
  return (sink) => {
    const market = make(sink);
    return {
      ...market,
      status: () => {
        const h = market.health();
        if (h.state === 'ready') {
          lastProblem = null;
          return { connected: true, lastHeartbeat: h.lastMessageAt };
        }
        const doing = { idle: 'not started yet', connecting: 'connecting', reconnecting: 'reconnecting', stopped: 'stopped' }[h.state];
        return { connected: false, lastHeartbeat: h.lastMessageAt, message: `${doing}${lastProblem ? `; last error: ${lastProblem}` : ''}` };
      },
    };
  };
}

/** A market that is not set up yet: connecting fails with what to do, and any order is refused with it. */
function unavailable(reason: string, name = 'cTrader (not connected)'): (sink: BrokerEventSink) => LiveMarket {
  return (sink) => {
    const broker: Broker = {
      name,
      submit: (o) => sink({ id: eventId.order('rejected', o.clientOrderId), type: 'order.rejected', agentId: o.agentId, time: o.decidedAt, payload: { clientOrderId: o.clientOrderId, symbol: o.symbol, reason } }),
      closePosition: () => {},
      amendPosition: () => {},
      positions: () => [],
      positionOf: () => undefined,
      hasPendingOrder: () => false,
      pendingOrders: () => [],
      cancelOrder: () => {},
      account: () => ({ balanceCents: 0, equity: 0, usedMargin: 0, freeMargin: 0, peakEquity: 0, drawdown: 0, leverage: 1 }),
    };
    return {
      name,
      broker,
      feed: { run: () => new Promise(() => {}), stop: () => {} },
      subscriptions: [],
      instrument: (s) => guessInstrument(s),
      connect: () => Promise.reject(new Error(reason)),
      disconnect: () => {},
      status: () => ({ connected: false, lastHeartbeat: null, message: reason }),
    };
  };
}
