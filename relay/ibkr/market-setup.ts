import type { BrokerEventSink } from '../../workers/brokers/broker.ts';
import type { Scheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import type { IbkrTransport } from '../../workers/brokers/ibkr/transport.ts';
import type { LiveMarket } from '../../workers/host/live-host.ts';
import type { Clock } from '../../workers/trading/clock.ts';
import { IBKR_PORTS } from '../config/ibkr-settings.ts';
import type { IbkrLiveHealth } from './live-status.ts';
import type { IbkrMarketOptions } from '../../workers/host/ibkr-market.ts';
import type { IbkrStoredSettings } from './settings-store.ts';
import { TcpTransport } from './tcp-transport.ts';

/** What workers/host/ibkr-market.ts's ibkrMarket takes: its own options, one definition. */
export type IbkrMarketSetup = IbkrMarketOptions;

/** ibkrMarket's shape: the live market around the engine's sink, with the client's health. */
export type IbkrMarketFactory = (o: IbkrMarketSetup) => (sink: BrokerEventSink) => LiveMarket & { health(): IbkrLiveHealth };

/** The step missing before the live workspace can trade at IB, in words; null when it can start. */
export function ibkrSetupProblem(s: IbkrStoredSettings): string | null {
  if (s.symbols.length === 0) return 'pick the symbols to trade under Settings > Interactive Brokers (look each up, add it, Save), then restart the relay';
  return null;
}

/**
 * The market options from what Settings stored: a fresh TCP socket to TWS per
 * connection attempt, the stored client id (IB ties orders to it, so a
 * restarted relay sees its own orders again), every symbol on the one timeframe.
 */
export function ibkrMarketSetup(s: IbkrStoredSettings, o: { clock: Clock; scheduler: Scheduler; log: (level: 'info' | 'warn' | 'error', message: string) => void; transport?: () => IbkrTransport }): IbkrMarketSetup {
  return {
    transport: o.transport ?? (() => new TcpTransport({ host: s.host, port: s.port })),
    clock: o.clock,
    scheduler: o.scheduler,
    clientId: s.clientId,
    account: s.account,
    marketDataType: s.marketDataType,
    subscriptions: s.symbols.map((symbol) => ({ symbol, timeframe: s.timeframe })),
    paper: isPaperPort(s.port),
    ...(s.noBarMinutes !== null ? { noBarAfterMs: s.noBarMinutes * 60_000 } : {}),
    log: o.log,
    onAlert: (m) => o.log('error', m),
  };
}

/** A paper port by IB's defaults (7497 TWS, 4002 Gateway); another port is taken as live, the safer name to show. */
export function isPaperPort(port: number): boolean {
  return IBKR_PORTS.some((p) => p.port === port && p.paper);
}
