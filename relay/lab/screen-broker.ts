import type { EngineStore } from '../../workers/store/store.ts';
import type { IbkrSession } from '../../workers/brokers/ibkr/connection.ts';
import type { IbkrInstruments } from '../../workers/brokers/ibkr/instruments.ts';
import type { BrokerUniverse, UniverseProblem } from '../../workers/cells/screen-universe.ts';
import { ctraderUniverse } from '../../workers/cells/screen-universe-ctrader.ts';
import { ibkrUniverse } from '../../workers/cells/screen-universe-ibkr.ts';
import type { CTraderAccountManager } from '../ctrader/account-manager.ts';
import { readLiveBroker } from '../ibkr/settings-store.ts';

/**
 * Which broker a screen of the 'broker' universe reads, on the relay: the one
 * Settings picked for the live workspace ('live.broker'). cTrader: the account
 * connected under Settings > cTrader, on the Settings connection
 * (RelayDeps.ctrader). Interactive Brokers: the live workspace's own session
 * (a second connection would need its own client id, and IB's pacing counts
 * all of them), registered here by openLiveWorkspace against its host, as its
 * health is (relay/ibkr/live-status.ts).
 */

/** What the live workspace's IB market lends the screener. */
export interface IbkrScreenMarket {
  name: string;
  feed: { readonly readySession: IbkrSession | null };
  instruments: IbkrInstruments;
  subscriptions: readonly { symbol: string }[];
}

const ibkrByHost = new WeakMap<object, () => IbkrScreenMarket | null>();

/** Called by openLiveWorkspace when the host it opened trades at IB: the market once it is built, null before. */
export function registerIbkrScreenMarket(host: object, market: () => IbkrScreenMarket | null): void {
  ibkrByHost.set(host, market);
}

/** The universe a broker screen reads now, or why there is none, in words (field 'universe'). */
export async function screenBroker(d: { store: Pick<EngineStore, 'settings'>; host: object; ctrader?: CTraderAccountManager }): Promise<BrokerUniverse | UniverseProblem> {
  const refuse = (message: string): UniverseProblem => ({ field: 'universe', message: `no broker to screen: ${message}` });
  if ((await readLiveBroker(d.store)) === 'ibkr') {
    const get = ibkrByHost.get(d.host);
    if (!get) return refuse('Settings trade at Interactive Brokers, but the live workspace is not connected to TWS (the relay runs it with TG_WORKSPACE=live, with symbols set under Settings > Interactive Brokers)');
    const m = get();
    if (!m || !m.feed.readySession) return refuse('the live workspace is not connected to TWS yet; try again once Settings > Interactive Brokers shows it ready');
    return ibkrUniverse({ session: () => m.feed.readySession, instruments: m.instruments, symbols: [...new Set(m.subscriptions.map((s) => s.symbol))], name: m.name });
  }
  if (!d.ctrader) return refuse('no cTrader account manager on this relay');
  try {
    const s = d.ctrader.screenSession();
    return ctraderUniverse({ connection: s.connection, symbols: s.symbols, name: `cTrader ${s.account.live ? 'live' : 'demo'} account ${s.account.id}` });
  } catch (e) {
    return refuse(e instanceof Error ? e.message : String(e));
  }
}
