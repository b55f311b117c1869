import { fxPair, future, stock, type IbContract } from '../../workers/brokers/ibkr/contract.ts';

/**
 * The symbol specs Settings > Interactive Brokers accepts, as a contract to ask
 * IB about. The same forms as the engine's IBKR instruments:
 *   GOOG            a stock on IB's smart router, USD
 *   GOOG:NASDAQ     a stock with its primary listing (settles which one)
 *   EURUSD          an FX pair on IDEALPRO (two ISO currencies IB trades)
 *   ES:CME:202512   a future by root, exchange and contract month
 *   ESZ5@CME        a future by its local symbol and exchange
 * Interim parser until the engine's (workers/brokers/ibkr/instruments.ts) lands.
 */
export type SpecResult = { ok: true; contract: IbContract } | { ok: false; problem: string };

/** Currencies IDEALPRO quotes: a six-letter symbol made of two of these is a pair, anything else a stock. */
const FX = new Set(['USD', 'EUR', 'GBP', 'JPY', 'CHF', 'AUD', 'NZD', 'CAD', 'SEK', 'NOK', 'DKK', 'HKD', 'SGD', 'MXN', 'ZAR', 'CNH', 'PLN', 'CZK', 'HUF', 'TRY', 'ILS', 'KRW', 'RUB']);
const SYMBOL = /^[A-Z][A-Z0-9.]{0,11}$/;
const EXCHANGE = /^[A-Z][A-Z0-9]{1,11}$/;
const FORMS = 'GOOG, GOOG:NASDAQ, EURUSD, ES:CME:202512 or ESZ5@CME';

export function parseIbkrSpec(raw: string): SpecResult {
  const spec = raw.trim().toUpperCase();
  const no = (why: string): SpecResult => ({ ok: false, problem: `"${raw.slice(0, 40)}": ${why} (forms: ${FORMS})` });
  if (!spec) return no('empty');
  const at = /^([A-Z]{1,4}[FGHJKMNQUVXZ]\d{1,2})@([A-Z0-9]+)$/.exec(spec);
  if (at) return EXCHANGE.test(at[2]) ? { ok: true, contract: future('', at[2], 'USD', undefined, at[1]) } : no(`"${at[2]}" is not an exchange`);
  if (spec.includes('@')) return no('a future by local symbol is like ESZ5@CME (root, month letter, year digit)');
  const parts = spec.split(':');
  if (parts.length > 3) return no('too many ":"');
  const [symbol, exchange, month] = parts;
  if (!SYMBOL.test(symbol)) return no(`"${symbol}" is not a symbol`);
  if (exchange !== undefined && !EXCHANGE.test(exchange)) return no(`"${exchange}" is not an exchange`);
  if (month !== undefined) {
    if (!/^\d{6}(\d{2})?$/.test(month)) return no(`"${month}" is not a contract month (YYYYMM)`);
    return { ok: true, contract: future(symbol, exchange!, 'USD', month) };
  }
  if (exchange !== undefined) return { ok: true, contract: stock(symbol, 'USD', exchange) };
  if (symbol.length === 6 && FX.has(symbol.slice(0, 3)) && FX.has(symbol.slice(3))) return { ok: true, contract: fxPair(symbol) };
  return { ok: true, contract: stock(symbol) };
}
