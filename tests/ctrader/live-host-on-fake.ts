import { ctraderMarket } from '../../workers/host/ctrader-market.ts';
import { LiveHost } from '../../workers/host/live-host.ts';
import type { Timeframe } from '../../workers/market/timeframe.ts';
import { NodeSocketTransport } from '../../relay/ctrader/transport.node.ts';
import { loadModelNode } from '../../relay/host/node-host.ts';
import { CLIENT, TOKEN, tokenList, type ManualTime } from './helpers.ts';

/** A relay-owned LiveHost on the fake cTrader (TLS on loopback, demo account), opened over `store` and not yet started. */
export function openLiveHostOnFake(o: { store: Parameters<typeof LiveHost.open>[0]['store']; time: ManualTime; port: number; ca: string | Buffer; symbols: string[]; timeframe?: Timeframe; onAlert?: (m: string) => void }): Promise<LiveHost> {
  return LiveHost.open({
    store: o.store,
    wallClock: o.time,
    owner: 'relay',
    loadModel: loadModelNode,
    market: ctraderMarket({
      transport: new NodeSocketTransport({ host: '127.0.0.1', port: o.port, ca: o.ca }),
      clock: o.time,
      timers: o.time,
      credentials: CLIENT,
      tokens: tokenList([TOKEN]),
      live: false,
      subscriptions: o.symbols.map((symbol) => ({ symbol, timeframe: o.timeframe ?? 'M1' })),
      onAlert: o.onAlert,
    }),
  });
}
