import type { InstrumentSpec } from '../../market/instrument.ts';
import { IbkrError } from './codes.ts';
import type { IbkrSession } from './connection.ts';
import { future, fxPair, stock, type ContractDetails, type IbContract } from './contract.ts';
import { dateNumber, isClosedDay, parseTradingHours, sessionAt, type TradingHours, type TradingSession } from './trading-hours.ts';

/** What the broker needs of the contracts it trades (ibkr-broker.ts). */
export interface IbkrContractBook {
  /** The resolved contract of a symbol (throws with words if it was not resolved). */
  contract(symbol: string): IbContract & { conId: number };
  /** Tick, digits, min size, size step, in ENGINE units. */
  instrument(symbol: string): InstrumentSpec;
  /** Engine units per IB quantity unit: futures' multiplier (ES 50), else 1. */
  unitsPerContract(symbol: string): number;
  symbolOf(conId: number): string | undefined;
}

/** The currencies IB's IDEALPRO trades: EURUSD is a pair because both halves are here. */
const CURRENCIES = new Set(['USD', 'EUR', 'GBP', 'JPY', 'CHF', 'AUD', 'NZD', 'CAD', 'SEK', 'NOK', 'DKK', 'HKD', 'SGD', 'CNH', 'MXN', 'ZAR', 'PLN', 'HUF', 'CZK', 'TRY', 'ILS', 'KRW', 'RUB', 'AED', 'SAR']);

const FORMS = 'a stock (GOOG, or GOOG:NASDAQ for its primary exchange), a currency pair (EURUSD) or a future (ES:CME:202512, or its local symbol ESZ5@CME)';

/**
 * A symbol as a trader types it, as the contract IB is asked for:
 *   GOOG / GOOG:NASDAQ   a stock on IB's smart router in USD (the primary exchange settles which listing)
 *   EURUSD               six letters of two ISO currencies: CASH on IDEALPRO
 *   ES:CME:202512        a future by root, exchange and contract month
 *   ESZ5@CME             a future by its local symbol and exchange
 */
export function parseSymbolSpec(text: string): { contract: IbContract } | { problem: string } {
  const s = text.trim().toUpperCase();
  const fut = /^([A-Z0-9]{1,6}):([A-Z0-9]+):(\d{6}|\d{8})$/.exec(s);
  // The currency is left to IB (empty): a future trades in its exchange's currency (CME USD, EUREX EUR).
  if (fut) return { contract: future(fut[1], fut[2], '', fut[3]) };
  const local = /^([A-Z0-9]{2,10})@([A-Z0-9]+)$/.exec(s);
  if (local) return { contract: { ...future('', local[2], '', undefined, local[1]), symbol: undefined } };
  if (/^[A-Z]{6}$/.test(s) && CURRENCIES.has(s.slice(0, 3)) && CURRENCIES.has(s.slice(3))) return { contract: fxPair(s) };
  const stk = /^([A-Z][A-Z0-9.]{0,9})(?::([A-Z0-9.]+))?$/.exec(s);
  if (stk) return { contract: stock(stk[1].replace('.', ' '), 'USD', stk[2]) };
  return { problem: `"${text}" is not a symbol TradeGuard can ask IB for: write ${FORMS}` };
}

/** Decimal places of a tick (0.25 -> 2, 0.00005 -> 5, 1 -> 0). */
function decimals(x: number): number {
  for (let d = 0; d <= 10; d++) if (Math.abs(Math.round(x * 10 ** d) - x * 10 ** d) < 1e-7) return d;
  return 10;
}

function describeListing(d: ContractDetails): string {
  const c = d.contract;
  const where = c.primaryExch ?? c.exchange;
  return `${c.localSymbol || c.symbol} ${c.secType} on ${where} in ${c.currency}${d.longName ? ` (${d.longName})` : ''}, conId ${c.conId}`;
}

interface Entry {
  details: ContractDetails;
  trading: TradingHours | null;
  liquid: TradingHours | null;
  /** Why the hours could not be read (the contract still trades). */
  hoursProblem: string | null;
}

/**
 * The contracts TradeGuard trades at IB, resolved from IB's contract details:
 * the engine's instrument rules (tick, digits, sizes in engine units), the
 * hours, and conId <-> symbol for positions and fills. Symbols are kept as the
 * trader typed them (upper case): "GOOG", "EURUSD", "ES:CME:202512".
 */
export class IbkrInstruments implements IbkrContractBook {
  private readonly entries = new Map<string, Entry>();
  private readonly problems = new Map<string, string>();

  /**
   * Asks IB for each symbol's contract. Every symbol is tried; the ones that
   * fail keep a problem in words (problem(symbol)) and the call rejects naming
   * them all after the others resolved. A symbol resolved before keeps its
   * contract when the connection failed, and loses it when IB refused it.
   */
  async resolve(session: IbkrSession, symbols: readonly string[]): Promise<void> {
    const failed: string[] = [];
    for (const raw of symbols) {
      const symbol = raw.trim().toUpperCase();
      const problem = await this.resolveOne(session, symbol);
      if (problem) {
        failed.push(problem);
        this.problems.set(symbol, problem);
      } else this.problems.delete(symbol);
    }
    if (failed.length) throw new Error(failed.join('; '));
  }

  private async resolveOne(session: IbkrSession, symbol: string): Promise<string | null> {
    const spec = parseSymbolSpec(symbol);
    if ('problem' in spec) return spec.problem;
    let rows: ContractDetails[];
    try {
      rows = await session.contractDetails(spec.contract);
    } catch (e) {
      if (e instanceof IbkrError && e.code !== 504 && e.code !== 502) this.entries.delete(symbol);
      return `${symbol}: ${(e as Error).message}`;
    }
    if (rows.length === 0) {
      this.entries.delete(symbol);
      return `${symbol}: IB answered with no contract`;
    }
    if (rows.length > 1) {
      this.entries.delete(symbol);
      const hint = spec.contract.secType === 'STK' ? `: add the primary exchange, e.g. ${symbol.split(':')[0]}:${rows[0].contract.primaryExch ?? rows[0].contract.exchange}` : ': name the contract month or the local symbol';
      return `${symbol} matches ${rows.length} contracts at IB (${rows.map(describeListing).join('; ')})${hint}`;
    }
    const details = rows[0];
    const trading = parseTradingHours(details.tradingHours, details.timeZoneId);
    const liquid = parseTradingHours(details.liquidHours || details.tradingHours, details.timeZoneId);
    const hoursProblem = 'problem' in trading ? trading.problem : 'problem' in liquid ? liquid.problem : null;
    this.entries.set(symbol, { details, trading: 'problem' in trading ? null : trading, liquid: 'problem' in liquid ? null : liquid, hoursProblem });
    return null;
  }

  /** Why a symbol is not resolved (IB's text when IB refused it), or null. */
  problem(symbol: string): string | null {
    const key = symbol.trim().toUpperCase();
    if (this.entries.has(key)) return null;
    return this.problems.get(key) ?? `${key} has not been looked up at IB yet (TradeGuard resolves the traded symbols each time it connects)`;
  }

  /** The symbols resolved so far. */
  symbols(): string[] {
    return [...this.entries.keys()];
  }

  /** IB's contract details for a resolved symbol (the symbol picker, the CLI), or undefined. */
  details(symbol: string): ContractDetails | undefined {
    return this.entries.get(symbol.trim().toUpperCase())?.details;
  }

  contract(symbol: string): IbContract & { conId: number } {
    return this.must(symbol).details.contract;
  }

  symbolOf(conId: number): string | undefined {
    for (const [symbol, e] of this.entries) if (e.details.contract.conId === conId) return symbol;
    return undefined;
  }

  unitsPerContract(symbol: string): number {
    const c = this.must(symbol).details.contract;
    return c.secType === 'FUT' ? (c.multiplier ?? 1) : 1;
  }

  /**
   * The engine's rules from IB's: tick and digits from minTick, sizes from
   * minSize and sizeIncrement. Engine units are what price x units makes money
   * of: shares, base currency, and for a future contracts x multiplier (one ES
   * contract is 50 units), so the size rules are multiplied too.
   */
  instrument(symbol: string): InstrumentSpec {
    const { details: d } = this.must(symbol);
    const c = d.contract;
    const per = this.unitsPerContract(symbol);
    const tick = d.minTick;
    const pipSize = c.secType === 'CASH' ? (c.currency === 'JPY' ? 0.01 : 0.0001) : c.secType === 'STK' ? 0.01 : tick;
    const step = Number(d.sizeIncrement) || 1;
    const min = Number(d.minSize) || step;
    return { symbol: symbol.trim().toUpperCase(), digits: decimals(tick), tickSize: tick, pipSize, lotUnits: c.secType === 'CASH' ? 100_000 : 1, minVolumeUnits: min * per, volumeStepUnits: step * per };
  }

  /** IB's hours for a symbol ('liquid': the regular session), or null when unknown or unreadable. */
  hours(symbol: string, which: 'trading' | 'liquid' = 'trading'): TradingHours | null {
    const e = this.entries.get(symbol.trim().toUpperCase());
    return (which === 'liquid' ? e?.liquid : e?.trading) ?? null;
  }

  /** Why the hours of a resolved symbol could not be read, or null. */
  hoursProblem(symbol: string): string | null {
    return this.entries.get(symbol.trim().toUpperCase())?.hoursProblem ?? null;
  }

  /** A local date (yyyymmdd, "2024-01-06") in the exchange's zone with no trading. False when IB's hours do not say. */
  isClosedDay(symbol: string, localDate: string | number): boolean {
    const h = this.hours(symbol);
    const date = dateNumber(localDate);
    if (!h || !Number.isFinite(date)) return false;
    return isClosedDay(h, date);
  }

  /** The trading session open at `time` (ms UTC), or null. */
  sessionAt(symbol: string, time: number, which: 'trading' | 'liquid' = 'trading'): TradingSession | null {
    const h = this.hours(symbol, which);
    return h ? sessionAt(h, time) : null;
  }

  private must(symbol: string): Entry {
    const e = this.entries.get(symbol.trim().toUpperCase());
    if (!e) throw new Error(this.problem(symbol) ?? `${symbol} is not resolved`);
    return e;
  }
}
