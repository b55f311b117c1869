import type { ContractDetails } from '../../workers/brokers/ibkr/contract.ts';

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
    sessions: sessionsOf(d.tradingHours).slice(0, SESSIONS_SHOWN),
    liquidSessions: sessionsOf(d.liquidHours).slice(0, SESSIONS_SHOWN),
  };
}

/**
 * IB's hours text: "20240102:0400-20240102:2000;20240106:CLOSED" (a range
 * may end the next day: "20240101:1715-20240102:1700"). Entries that do not
 * read are left out rather than guessed.
 */
export function sessionsOf(hours: string): SessionView[] {
  const out: SessionView[] = [];
  const day = (s: string) => `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
  const hm = (s: string) => `${s.slice(0, 2)}:${s.slice(2, 4)}`;
  for (const part of hours.split(';')) {
    const closed = /^(\d{8}):CLOSED$/.exec(part);
    if (closed) {
      out.push({ day: day(closed[1]), hours: 'closed' });
      continue;
    }
    const m = /^(\d{8}):(\d{4})-(\d{8}):(\d{4})$/.exec(part);
    if (!m) continue;
    out.push({ day: day(m[1]), hours: `${hm(m[2])}-${hm(m[4])}${m[3] !== m[1] ? ' next day' : ''}` });
  }
  return out;
}
