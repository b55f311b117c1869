import type { ContractDetails } from '../../workers/brokers/ibkr/contract.ts';
import { localDate, parseTradingHours } from '../../workers/brokers/ibkr/trading-hours.ts';

/** One trading day as IB lists it, in the contract's own time zone (no conversion: IB's words). */
export interface SessionView {
  /** YYYY-MM-DD of the session's start. */
  day: string;
  /** "04:00-20:00", "17:15-17:00 next day", or "closed". */
  hours: string;
}

/** What the symbol picker shows of a contract: identity, tick and size rules, zone, the next sessions. */
export interface ContractView {
  conId: number;
  symbol: string;
  localSymbol: string;
  longName: string;
  secType: string;
  exchange: string;
  primaryExch: string;
  currency: string;
  multiplier: number | null;
  /** Futures: the real expiry, YYYYMMDD. */
  expiry: string | null;
  minTick: number;
  minSize: string;
  sizeIncrement: string;
  timeZoneId: string;
  sessions: SessionView[];
  liquidSessions: SessionView[];
}

/** How many of IB's listed days the picker shows. */
const SESSIONS_SHOWN = 3;

export function contractView(d: ContractDetails): ContractView {
  const c = d.contract;
  return {
    conId: c.conId,
    symbol: c.symbol ?? '',
    localSymbol: c.localSymbol ?? '',
    longName: d.longName,
    secType: c.secType,
    exchange: c.exchange,
    primaryExch: c.primaryExch ?? '',
    currency: c.currency,
    multiplier: c.multiplier ?? null,
    expiry: d.realExpirationDate || c.lastTradeDateOrContractMonth || null,
    minTick: d.minTick,
    minSize: d.minSize,
    sizeIncrement: d.sizeIncrement,
    timeZoneId: d.timeZoneId,
    sessions: sessionsOf(d.tradingHours, d.timeZoneId).slice(0, SESSIONS_SHOWN),
    liquidSessions: sessionsOf(d.liquidHours, d.timeZoneId).slice(0, SESSIONS_SHOWN),
  };
}

/**
 * The sessions of IB's hours text, read by the engine's own parser
 * (trading-hours.ts) and written back in the contract's zone: a range may end
 * the next day (FX "17:15-17:00 next day"), a CLOSED date is shown closed.
 * Hours the parser refuses show nothing rather than a guess.
 */
export function sessionsOf(hours: string, ibZone: string): SessionView[] {
  const h = parseTradingHours(hours, ibZone);
  if ('problem' in h) return [];
  const day = (n: number) => `${String(n).slice(0, 4)}-${String(n).slice(4, 6)}-${String(n).slice(6, 8)}`;
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone: h.timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
  const open = h.sessions.map((x) => {
    const from = localDate(x.start, h.timeZone);
    return { date: from, view: { day: day(from), hours: `${clock.format(x.start)}-${clock.format(x.end)}${localDate(x.end, h.timeZone) !== from ? ' next day' : ''}` } };
  });
  const closed = [...h.closed].map((date) => ({ date, view: { day: day(date), hours: 'closed' } }));
  return [...open, ...closed].sort((a, b) => a.date - b.date).map((x) => x.view);
}
