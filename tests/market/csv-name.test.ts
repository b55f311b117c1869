/** A bar file's name: the symbol and timeframe tokens anywhere in it, not just its first word. */
import { describe, expect, it } from 'vitest';
import { guessFromFileName } from '../../workers/market/csv-name.ts';

const g = (name: string) => guessFromFileName(name);

describe('guessFromFileName', () => {
  it('finds the known symbol and the timeframe wherever they sit in the name', () => {
    expect(g('BAD_EURUSD_H1.csv')).toEqual({ symbol: 'EURUSD', timeframe: 'H1', symbolFrom: 'known' });
    expect(g('EURUSD_H1.csv')).toEqual({ symbol: 'EURUSD', timeframe: 'H1', symbolFrom: 'known' });
    expect(g('my export - goog - d1 (2).csv')).toEqual({ symbol: 'GOOG', timeframe: 'D1', symbolFrom: 'known' });
    expect(g('C:\\data\\btcusd.csv')).toEqual({ symbol: 'BTCUSD', timeframe: null, symbolFrom: 'known' });
  });

  it('takes a currency pair over other words, and reads MetaTrader and Dukascopy names', () => {
    expect(g('export_gbpjpy-h4-2020.csv')).toEqual({ symbol: 'GBPJPY', timeframe: 'H4', symbolFrom: 'currency-pair' });
    expect(g('GBPUSD60.csv')).toEqual({ symbol: 'GBPUSD', timeframe: 'H1', symbolFrom: 'currency-pair' });
    expect(g('EURUSD1440.csv')).toEqual({ symbol: 'EURUSD', timeframe: 'D1', symbolFrom: 'known' });
    expect(g('AUDUSD_Candlestick_1_Hour_BID_01.01.2020-31.12.2020.csv')).toEqual({ symbol: 'AUDUSD', timeframe: 'H1', symbolFrom: 'currency-pair' });
    expect(g('USDCHF_Candlestick_15_M_BID.csv').symbol).toBe('USDCHF');
  });

  it('falls back to the first word that could be a symbol, and says so', () => {
    expect(g('AAPL_daily.csv')).toEqual({ symbol: 'AAPL', timeframe: 'D1', symbolFrom: 'first-word' });
    expect(g('bid_data_M5.txt')).toEqual({ symbol: '', timeframe: 'M5', symbolFrom: null });
    expect(g('2020.csv')).toEqual({ symbol: '', timeframe: null, symbolFrom: null });
  });
});
