import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * What the fake TWS knows: three contracts as IB describes them (values of the
 * kind IB sends: conIds, tick sizes, hours, zones) and bars from the bundled
 * data. GOOG daily from public/data/GOOG.csv, EURUSD hourly from EURUSD.csv, and
 * EURUSD 5-minute bars made from the hourly ones (fiveMinuteBars).
 */
export interface FakeContract {
  conId: number;
  symbol: string;
  secType: 'STK' | 'CASH' | 'FUT';
  exchange: string;
  primaryExch: string;
  currency: string;
  localSymbol: string;
  tradingClass: string;
  marketName: string;
  longName: string;
  minTick: number;
  multiplier: string;
  lastTradeDate: string;
  contractMonth: string;
  timeZoneId: string;
  tradingHours: string;
  liquidHours: string;
  minSize: string;
  sizeIncrement: string;
  suggestedSizeIncrement: string;
}

const stockHours = '20240102:0400-20240102:2000;20240103:0400-20240103:2000;20240106:CLOSED';
export const CONTRACTS: FakeContract[] = [
  { conId: 208813720, symbol: 'GOOG', secType: 'STK', exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD', localSymbol: 'GOOG', tradingClass: 'NMS', marketName: 'NMS', longName: 'ALPHABET INC-CL C', minTick: 0.01, multiplier: '', lastTradeDate: '', contractMonth: '', timeZoneId: 'US/Eastern', tradingHours: stockHours, liquidHours: '20240102:0930-20240102:1600;20240103:0930-20240103:1600;20240106:CLOSED', minSize: '1', sizeIncrement: '1', suggestedSizeIncrement: '100' },
  { conId: 12087792, symbol: 'EUR', secType: 'CASH', exchange: 'IDEALPRO', primaryExch: '', currency: 'USD', localSymbol: 'EUR.USD', tradingClass: 'EUR.USD', marketName: 'EUR.USD', longName: 'European Monetary Union Euro', minTick: 0.00005, multiplier: '', lastTradeDate: '', contractMonth: '', timeZoneId: 'US/Eastern', tradingHours: '20240101:1715-20240102:1700;20240102:1715-20240103:1700', liquidHours: '20240101:1715-20240102:1700;20240102:1715-20240103:1700', minSize: '1', sizeIncrement: '1', suggestedSizeIncrement: '25000' },
  { conId: 495512563, symbol: 'ES', secType: 'FUT', exchange: 'CME', primaryExch: '', currency: 'USD', localSymbol: 'ESZ5', tradingClass: 'ES', marketName: 'ES', longName: 'E-mini S&P 500', minTick: 0.25, multiplier: '50', lastTradeDate: '20251219', contractMonth: '202512', timeZoneId: 'US/Central', tradingHours: '20240101:1700-20240102:1600;20240102:1700-20240103:1600', liquidHours: '20240102:0830-20240102:1600;20240103:0830-20240103:1600', minSize: '1', sizeIncrement: '1', suggestedSizeIncrement: '1' },
];

/** The contract a request names: by conId, local symbol, or symbol + type (+ currency). */
export function findContract(q: ContractQuery): FakeContract | undefined {
  return CONTRACTS.find((c) => matches(c, q));
}

type ContractQuery = { conId: string; symbol: string; secType: string; currency: string; localSymbol: string };

function matches(c: FakeContract, q: ContractQuery): boolean {
  return q.conId && q.conId !== '0' ? String(c.conId) === q.conId : (q.localSymbol ? c.localSymbol === q.localSymbol : c.symbol === q.symbol) && c.secType === q.secType && (!q.currency || c.currency === q.currency);
}

/** Listings only contract details know: one stock on two primary exchanges, so an unqualified request matches both, as IB answers such a symbol. */
export const DUAL_LISTINGS: FakeContract[] = [
  { ...CONTRACTS[0], conId: 900000001, symbol: 'DUAL', localSymbol: 'DUAL', primaryExch: 'NYSE', tradingClass: 'DUAL', marketName: 'DUAL', longName: 'DUAL LISTED CORP' },
  { ...CONTRACTS[0], conId: 900000002, symbol: 'DUAL', localSymbol: 'DUAL', primaryExch: 'NASDAQ', tradingClass: 'NMS', marketName: 'NMS', longName: 'DUAL LISTED CORP' },
];

/** Every contract a contract-details request matches: findContract's rules over all listings, narrowed by the primary exchange when given. */
export function findContracts(q: ContractQuery & { primaryExch: string }): FakeContract[] {
  return [...CONTRACTS, ...DUAL_LISTINGS].filter((c) => matches(c, q) && (!q.primaryExch || c.primaryExch === q.primaryExch));
}

export interface FakeBar {
  /** Open time, ms UTC. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

function readCsv(name: string): FakeBar[] {
  const text = readFileSync(fileURLToPath(new URL(`../../public/data/${name}`, import.meta.url)), 'utf8');
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const [t, o, h, lo, c, v] = l.split(',');
      return { time: Date.parse(`${t.length === 10 ? `${t}T00:00:00` : t.replace(' ', 'T')}Z`), open: +o, high: +h, low: +lo, close: +c, volume: +v };
    });
}

const round5 = (x: number) => Math.round(x * 1e5) / 1e5;

/**
 * Twelve 5-minute bars per hourly bar, deterministic: the price walks in
 * straight lines open -> low -> high -> close for a rising hour (open -> high
 * -> low -> close for a falling one), four steps per leg; each 5-minute bar
 * spans one step. So the twelve together have the hour's open, high, low and
 * close exactly, and the hour's volume split evenly (the remainder on the last).
 */
export function fiveMinuteBars(hourly: readonly FakeBar[]): FakeBar[] {
  const out: FakeBar[] = [];
  for (const b of hourly) {
    const anchors = b.close >= b.open ? [b.open, b.low, b.high, b.close] : [b.open, b.high, b.low, b.close];
    const path = Array.from({ length: 13 }, (_, k) => {
      const leg = Math.min(2, Math.floor(k / 4));
      return round5(anchors[leg] + ((anchors[leg + 1] - anchors[leg]) * (k - leg * 4)) / 4);
    });
    const each = Math.floor(b.volume / 12);
    for (let k = 0; k < 12; k++) {
      const [o, c] = [path[k], path[k + 1]];
      out.push({ time: b.time + k * 300_000, open: o, high: Math.max(o, c), low: Math.min(o, c), close: c, volume: k === 11 ? b.volume - each * 11 : each });
    }
  }
  return out;
}

let cache: Record<string, FakeBar[]> | null = null;

/** Bars by "SYMBOL barSize" ("GOOG 1 day", "EUR 1 hour", "EUR 5 mins"). */
export function barsFor(symbol: string, barSize: string): FakeBar[] | undefined {
  if (!cache) {
    const hourly = readCsv('EURUSD.csv');
    cache = { 'GOOG 1 day': readCsv('GOOG.csv'), 'EUR 1 hour': hourly, 'EUR 5 mins': fiveMinuteBars(hourly) };
  }
  return cache[`${symbol} ${barSize}`];
}

/**
 * More FX pairs for the latency bench (5 symbols): GBP, AUD, NZD and CHF
 * against USD as IDEALPRO contracts, their bars EURUSD's scaled, so history
 * and streams behave exactly as EURUSD's. Added only by the bench's fake.
 */
export function addBenchPairs(): string[] {
  const scale: Record<string, number> = { GBP: 1.16, AUD: 0.6, NZD: 0.55, CHF: 0.9 };
  barsFor('EUR', '5 mins');
  for (const [cur, k] of Object.entries(scale)) {
    if (CONTRACTS.some((c) => c.symbol === cur)) continue;
    CONTRACTS.push({ ...CONTRACTS[1], conId: 12087792 + CONTRACTS.length, symbol: cur, localSymbol: `${cur}.USD`, tradingClass: `${cur}.USD`, marketName: `${cur}.USD`, longName: cur });
    for (const size of ['1 hour', '5 mins']) cache![`${cur} ${size}`] = cache![`EUR ${size}`].map((b) => ({ ...b, open: round5(b.open * k), high: round5(b.high * k), low: round5(b.low * k), close: round5(b.close * k) }));
  }
  return ['EURUSD', ...Object.keys(scale).map((c) => `${c}USD`)];
}

