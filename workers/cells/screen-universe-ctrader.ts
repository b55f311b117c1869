import type { CTraderConnection } from '../brokers/ctrader/connection.ts';
import type { SymbolCatalog } from '../brokers/ctrader/symbols.ts';
import { fetchTrendbars } from '../brokers/ctrader/trendbars.ts';
import { nextBarOpenTime } from '../market/timeframe.ts';
import type { BrokerUniverse } from './screen-universe.ts';

/**
 * A cTrader account as the screener's universe: every enabled symbol of the
 * account's light list (ProtoOASymbolsListReq), each one's trendbars
 * (ProtoOAGetTrendbarsReq) on the connection given, which keeps cTrader's
 * rate limit for historical requests (5 a second: about a minute for 300
 * symbols). The relay hands it its Settings
 * connection, so a screen does not queue behind or ahead of the live feed's
 * backfill.
 */
export function ctraderUniverse(o: { connection: CTraderConnection; symbols: SymbolCatalog; name: string }): BrokerUniverse {
  return {
    name: o.name,
    async symbols() {
      const names = await o.symbols.names();
      // The details every trendbar needs (digits), 200 a request (a request for thousands of ids would exceed cTrader's message size) instead of one a symbol.
      for (let i = 0; i < names.length; i += 200) await o.symbols.load(names.slice(i, i + 200));
      return names;
    },
    async history(symbol, tf, from, now) {
      const [sym] = await o.symbols.load([symbol]);
      // A bar still forming at `now` is left out: the screen judges closed bars, as stored series hold.
      return fetchTrendbars(o.connection, sym, tf, from, now).then((bars) => bars.filter((b) => nextBarOpenTime(b.time, tf) <= now));
    },
  };
}
