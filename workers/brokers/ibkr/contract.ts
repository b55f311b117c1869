/** The kinds of instrument TradeGuard trades at IB. */
export type SecType = 'STK' | 'CASH' | 'FUT';

/**
 * A contract as the TWS API describes one (IB's Contract class, the fields a
 * request sends). Unset fields go on the wire as empty strings.
 */
export interface IbContract {
  conId?: number;
  symbol?: string;
  secType: SecType;
  /** FUT: YYYYMM or YYYYMMDD. */
  lastTradeDateOrContractMonth?: string;
  strike?: number;
  right?: string;
  multiplier?: number;
  /** SMART for stocks, IDEALPRO for FX, the exchange (CME, EUREX...) for futures. */
  exchange: string;
  primaryExch?: string;
  currency: string;
  localSymbol?: string;
  tradingClass?: string;
  includeExpired?: boolean;
}

/** A field as the wire writes it: unset is empty, booleans 1/0, numbers in JavaScript's shortest form. */
export function field(v: string | number | boolean | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

/** The contract fields every data request shares, from conId to tradingClass. */
export function contractFields(c: IbContract): string[] {
  return [c.conId, c.symbol, c.secType, c.lastTradeDateOrContractMonth, c.strike, c.right, c.multiplier, c.exchange, c.primaryExch, c.currency, c.localSymbol, c.tradingClass].map(field);
}

/** A stock on IB's smart router; `primaryExch` (NASDAQ, NYSE...) settles which listing. */
export function stock(symbol: string, currency = 'USD', primaryExch?: string): IbContract {
  return { symbol, secType: 'STK', exchange: 'SMART', currency, primaryExch };
}

/** An FX pair on IDEALPRO: EURUSD is symbol EUR, currency USD. */
export function fxPair(pair: string): IbContract {
  if (!/^[A-Z]{6}$/.test(pair)) throw new Error(`"${pair}" is not a currency pair like EURUSD`);
  return { symbol: pair.slice(0, 3), secType: 'CASH', exchange: 'IDEALPRO', currency: pair.slice(3) };
}

/** A future by root symbol, exchange and contract month (YYYYMM), or by its local symbol (ESZ5). */
export function future(symbol: string, exchange: string, currency: string, month?: string, localSymbol?: string): IbContract {
  return { symbol, secType: 'FUT', exchange, currency, lastTradeDateOrContractMonth: month, localSymbol };
}

/** What IB says about a contract (CONTRACT_DATA): what trading needs, tick and size rules, hours. */
export interface ContractDetails {
  contract: IbContract & { conId: number };
  marketName: string;
  longName: string;
  /** The smallest price step. */
  minTick: number;
  /** Order size rules (decimals as IB sends them: "1", "0.0001", "25000"). */
  minSize: string;
  sizeIncrement: string;
  suggestedSizeIncrement: string;
  orderTypes: string;
  validExchanges: string;
  /** IB's time zone id for the hours, e.g. US/Eastern. */
  timeZoneId: string;
  /** "20240102:0400-20240102:2000;20240103:CLOSED;..." in timeZoneId. */
  tradingHours: string;
  liquidHours: string;
  contractMonth: string;
  /** Futures: the real expiry date (YYYYMMDD). */
  realExpirationDate: string;
  marketRuleIds: string;
}
