import type { IbkrSession } from '../brokers/ibkr/connection.ts';
import { barCompleteAt, barFromIb, IB_BAR_SIZES, regularHoursOnly, streamRequest } from '../brokers/ibkr/feed-bars.ts';
import type { IbkrInstruments } from '../brokers/ibkr/instruments.ts';
import type { Bar } from '../market/bar.ts';
import type { Timeframe } from '../market/timeframe.ts';
import type { BrokerUniverse } from './screen-universe.ts';

/** TWS answers no "every symbol" request: the universe is the symbols set up for trading, and the screen says so. */
export const IBKR_UNIVERSE_NOTE = 'TWS has no full symbol list: the symbols set under Settings > Interactive Brokers';

/**
 * Interactive Brokers as the screener's universe: the symbols configured for
 * the live workspace (contracts as its instruments resolved them), each one's
 * bars by reqHistoricalData on the live session, so IB's pacing limits
 * (pacing.ts) count the screen's requests with the feed's. A request pacing
 * would refuse, IB's 162 or a symbol IB did not resolve is thrown in words.
 */
export function ibkrUniverse(o: { session: () => IbkrSession | null; instruments: IbkrInstruments; symbols: readonly string[]; name: string }): BrokerUniverse {
  return {
    name: o.name,
    note: IBKR_UNIVERSE_NOTE,
    timeframes: Object.keys(IB_BAR_SIZES) as Timeframe[],
    symbols: async () => [...o.symbols],
    async history(symbol, tf, from, now) {
      const details = o.instruments.details(symbol);
      if (!details) throw new Error(o.instruments.problem(symbol) ?? `${symbol} is not resolved at IB`);
      const session = o.session();
      if (!session) throw new Error('the IB connection is not ready');
      const c = details.contract;
      const r = await session.history({ ...streamRequest(c, tf, from, now), keepUpToDate: false });
      const hours = o.instruments.hours(symbol, regularHoursOnly(c) ? 'liquid' : 'trading');
      const bars: Bar[] = [];
      const bad: string[] = [];
      for (const b of r.bars) {
        const bar = barFromIb(b, tf, hours?.timeZone ?? null);
        if ('problem' in bar) bad.push(bar.problem);
        else if (bar.time >= from && barCompleteAt(tf, bar.time, hours) <= now && (bars.length === 0 || bar.time > bars[bars.length - 1].time)) bars.push(bar);
      }
      if (bad.length > 0) throw new Error(`IB sent ${bad.length} bar${bad.length === 1 ? '' : 's'} that could not be read (${bad[0]})`);
      return bars;
    },
  };
}
