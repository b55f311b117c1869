import { FIAT_CURRENCIES, KNOWN_INSTRUMENTS } from './instrument.ts';
import { isTimeframe, type Timeframe } from './timeframe.ts';

/**
 * What a bar file's name says it holds: the symbol and the timeframe, found as
 * tokens anywhere in the whole name ("BAD_EURUSD_H1.csv" is EURUSD H1, not
 * "BAD"). A guess the user sees and can correct before anything is imported.
 */
export interface FileNameGuess {
  /** Upper case; '' when no token looks like a symbol. */
  symbol: string;
  timeframe: Timeframe | null;
  /** Why that symbol: a bundled one, a currency pair, or only the first word that could be one. */
  symbolFrom: 'known' | 'currency-pair' | 'first-word' | null;
}

/** ISO codes (and the usual metals and coins) a six-letter FX-style symbol is made of (the risk layer's currency exposure reads them too). */
export const CURRENCIES = new Set([...FIAT_CURRENCIES, ...'XAU XAG XPT XPD BTC ETH LTC XRP'.split(' ')]);

/** Words exports put in names that are never the symbol. */
const NOISE = new Set(['BID', 'ASK', 'MID', 'CANDLESTICK', 'CANDLES', 'BARS', 'OHLC', 'OHLCV', 'DATA', 'EXPORT', 'HISTORY', 'HISTORICAL', 'PRICES', 'QUOTES', 'COPY', 'FINAL', 'NEW', 'OLD', 'UTC', 'GMT', 'CSV', 'TXT']);

/** MetaTrader history names end in the period in minutes: EURUSD60 is H1, EURUSD1440 D1. */
const MT_MINUTES: Record<string, Timeframe> = { '1': 'M1', '5': 'M5', '15': 'M15', '30': 'M30', '60': 'H1', '240': 'H4', '1440': 'D1', '10080': 'W1', '43200': 'MN1' };

/** Other spellings of a timeframe as one token ('1H', 'DAILY') or two ('1', 'Hour' as Dukascopy writes). */
const ALIASES: Record<string, Timeframe> = { '1MIN': 'M1', '5MIN': 'M5', '15MIN': 'M15', '30MIN': 'M30', '1H': 'H1', '60MIN': 'H1', HOURLY: 'H1', '4H': 'H4', '1D': 'D1', DAILY: 'D1', '1W': 'W1', WEEKLY: 'W1', MONTHLY: 'MN1' };
const UNIT_WORDS: Record<string, Record<string, Timeframe>> = {
  MIN: { '1': 'M1', '5': 'M5', '15': 'M15', '30': 'M30', '60': 'H1' },
  MINUTE: { '1': 'M1', '5': 'M5', '15': 'M15', '30': 'M30' },
  HOUR: { '1': 'H1', '4': 'H4' },
  DAY: { '1': 'D1' },
  WEEK: { '1': 'W1' },
  MONTH: { '1': 'MN1' },
};

const isPair = (t: string) => /^[A-Z]{6}$/.test(t) && CURRENCIES.has(t.slice(0, 3)) && CURRENCIES.has(t.slice(3));

function timeframeOf(tokens: string[]): Timeframe | null {
  for (const t of tokens) if (isTimeframe(t)) return t;
  for (const t of tokens) if (ALIASES[t]) return ALIASES[t];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const unit = UNIT_WORDS[tokens[i + 1].replace(/S$/, '')];
    if (unit?.[tokens[i]]) return unit[tokens[i]];
  }
  return null;
}

export function guessFromFileName(name: string): FileNameGuess {
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/(\.(csv|txt|tsv|gz|zip))+$/i, '');
  let tokens = base.toUpperCase().split(/[\s_\-.,()[\]+]+/).filter(Boolean);
  let timeframe: Timeframe | null = null;
  // EURUSD60: a symbol glued to MetaTrader's minutes.
  tokens = tokens.map((t) => {
    const mt = /^([A-Z]{6})(\d{1,5})$/.exec(t);
    if (mt && MT_MINUTES[mt[2]] && (KNOWN_INSTRUMENTS[mt[1]] || isPair(mt[1]))) {
      timeframe ??= MT_MINUTES[mt[2]];
      return mt[1];
    }
    return t;
  });
  timeframe ??= timeframeOf(tokens);
  const known = tokens.find((t) => KNOWN_INSTRUMENTS[t]);
  if (known) return { symbol: known, timeframe, symbolFrom: 'known' };
  const pair = tokens.find(isPair);
  if (pair) return { symbol: pair, timeframe, symbolFrom: 'currency-pair' };
  const word = tokens.find((t) => /^[A-Z][A-Z0-9]{0,11}$/.test(t) && !isTimeframe(t) && !ALIASES[t] && !NOISE.has(t) && !UNIT_WORDS[t.replace(/S$/, '')]);
  return { symbol: word ?? '', timeframe, symbolFrom: word ? 'first-word' : null };
}
