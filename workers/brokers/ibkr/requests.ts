import { contractFields, field, type IbContract } from './contract.ts';

/**
 * Client -> TWS messages at server version 176 (versions.ts), as field lists
 * for wire.ts's frame(). Message ids and versions are IB's (EClient);
 * tests/ibkr/oracle.test.ts checks each against @stoqey/ib's Encoder.
 */
export const OUT = {
  REQ_IDS: 8,
  REQ_CONTRACT_DATA: 9,
  REQ_MANAGED_ACCTS: 17,
  REQ_HISTORICAL_DATA: 20,
  CANCEL_HISTORICAL_DATA: 25,
  REQ_CURRENT_TIME: 49,
  REQ_REAL_TIME_BARS: 50,
  CANCEL_REAL_TIME_BARS: 51,
  REQ_MARKET_DATA_TYPE: 59,
  START_API: 71,
} as const;

const f = (...xs: (string | number | boolean | undefined)[]): string[] => xs.map(field);

/** Starts the API session; `optionalCapabilities` is empty (IB-internal). */
export function startApi(clientId: number): string[] {
  return f(OUT.START_API, 2, clientId, '');
}

/** Asks for the next valid order id (NEXT_VALID_ID). IB ignores the count but the field stays. */
export function reqIds(count = 1): string[] {
  return f(OUT.REQ_IDS, 1, count);
}

export function reqManagedAccts(): string[] {
  return f(OUT.REQ_MANAGED_ACCTS, 1);
}

export function reqCurrentTime(): string[] {
  return f(OUT.REQ_CURRENT_TIME, 1);
}

/** IB's market data types: what reqMarketDataType switches to. */
export const MARKET_DATA_TYPES = { live: 1, frozen: 2, delayed: 3, 'delayed-frozen': 4 } as const;
export type MarketDataType = keyof typeof MARKET_DATA_TYPES;

export function reqMarketDataType(type: MarketDataType): string[] {
  return f(OUT.REQ_MARKET_DATA_TYPE, 1, MARKET_DATA_TYPES[type]);
}

/** Contract details (CONTRACT_DATA ... CONTRACT_DATA_END). secIdType, secId and issuerId stay empty. */
export function reqContractDetails(reqId: number, c: IbContract): string[] {
  return [...f(OUT.REQ_CONTRACT_DATA, 8, reqId), ...contractFields(c), field(c.includeExpired ?? false), '', '', ''];
}

/** A historical bars request; with keepUpToDate the end must be now (""), and HISTORICAL_DATA_UPDATE follows. */
export interface HistoryRequest {
  contract: IbContract;
  /** "" for now, or "yyyymmdd-hh:mm:ss" UTC. */
  endDateTime: string;
  /** "1 D", "2 W", "1 Y"... */
  duration: string;
  barSize: '1 min' | '5 mins' | '15 mins' | '30 mins' | '1 hour' | '4 hours' | '1 day';
  /** TRADES for stocks and futures; MIDPOINT (or BID/ASK) for FX, which has no trades. */
  whatToShow: 'TRADES' | 'MIDPOINT' | 'BID' | 'ASK';
  /** Regular trading hours only. */
  useRTH: boolean;
  keepUpToDate: boolean;
}

/** formatDate 2: intraday bar times as epoch seconds (daily bars stay yyyymmdd, a date in the exchange's zone). */
export const FORMAT_DATE_EPOCH = 2;

export function reqHistoricalData(reqId: number, r: HistoryRequest): string[] {
  if (r.keepUpToDate && r.endDateTime !== '') throw new Error('keepUpToDate needs the end of the bars to be now (an empty endDateTime)');
  return [
    ...f(OUT.REQ_HISTORICAL_DATA, reqId),
    ...contractFields(r.contract),
    ...f(r.contract.includeExpired ?? false, r.endDateTime, r.barSize, r.duration, r.useRTH ? 1 : 0, r.whatToShow, FORMAT_DATE_EPOCH, r.keepUpToDate, ''),
  ];
}

export function cancelHistoricalData(reqId: number): string[] {
  return f(OUT.CANCEL_HISTORICAL_DATA, 1, reqId);
}

/** Real-time 5-second bars (REAL_TIME_BARS every 5 s while the market trades); IB serves them for live data only. */
export interface RealTimeBarsRequest {
  contract: IbContract;
  /** As for history: MIDPOINT for FX, TRADES otherwise. */
  whatToShow: HistoryRequest['whatToShow'];
  useRTH: boolean;
}

/** IB's only real-time bar size: 5 seconds (the field is sent, IB ignores any other). */
export const REAL_TIME_BAR_SECONDS = 5;

/** includeExpired is not part of this request; realTimeBarsOptions stay empty. */
export function reqRealTimeBars(reqId: number, r: RealTimeBarsRequest): string[] {
  return [...f(OUT.REQ_REAL_TIME_BARS, 3, reqId), ...contractFields(r.contract), ...f(REAL_TIME_BAR_SECONDS, r.whatToShow, r.useRTH, '')];
}

export function cancelRealTimeBars(reqId: number): string[] {
  return f(OUT.CANCEL_REAL_TIME_BARS, 1, reqId);
}
