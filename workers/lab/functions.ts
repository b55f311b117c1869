/**
 * The function table: every function a lab program may call, its arguments,
 * what it returns, and its documentation. The checker, the compiler and
 * docs/LANGUAGE.md all read this one table, so they cannot disagree.
 */

/**
 * What an argument must be:
 *  - series: a number per bar (a price, an indicator, arithmetic of them; a constant is allowed too);
 *  - period: a whole number of bars written as a constant (14, or a `let` constant), 1 to MAX_PERIOD;
 *  - factor: a positive constant (a band width in standard deviations).
 */
export type ArgKind = 'series' | 'period' | 'factor';

export type FunctionCategory = 'indicator' | 'signal' | 'window' | 'math' | 'trade' | 'time';

export interface FunctionSpec {
  name: string;
  category: FunctionCategory;
  /** Argument names and kinds, in order (the optional leading series included). */
  args: readonly { name: string; kind: ArgKind }[];
  /** When the first argument (a series) may be left out: the series used instead. */
  defaultSeries?: 'close' | 'high' | 'low';
  returns: 'number' | 'bool';
  /** An indicator of workers/features/indicators: its registry key and which of its outputs. */
  indicator?: { key: string; output: number };
  doc: string;
  example: string;
}

/** Longer lookbacks than this hold no signal on any chart, and each bar of period costs memory. */
export const MAX_PERIOD = 10_000;

const S = (name = 'x') => ({ name, kind: 'series' as const });
const N = (name = 'n') => ({ name, kind: 'period' as const });
const K = (name = 'k') => ({ name, kind: 'factor' as const });

/** A close-based indicator (first argument optional, default close). */
function onSeries(name: string, key: string, output: number, periods: { name: string; kind: ArgKind }[], doc: string, example: string): FunctionSpec {
  return { name, category: 'indicator', args: [S(), ...periods], defaultSeries: 'close', returns: 'number', indicator: { key, output }, doc, example };
}

/** An indicator of the bar itself (high, low, close, volume together): no series argument. */
function onBar(name: string, key: string, output: number, periods: { name: string; kind: ArgKind }[], doc: string, example: string): FunctionSpec {
  return { name, category: 'indicator', args: periods, returns: 'number', indicator: { key, output }, doc, example };
}

export const FUNCTIONS: readonly FunctionSpec[] = [
  onSeries('sma', 'sma', 0, [N()], 'Simple moving average of x over n bars.', 'sma(close, 20)'),
  onSeries('ema', 'ema', 0, [N()], 'Exponential moving average of x (ratio 2/(n+1), seeded with the SMA of the first n values).', 'ema(close, 9)'),
  onSeries('rsi', 'rsi', 0, [N()], "Wilder's relative strength index of x, 0 to 100 (50 when x does not move).", 'rsi(14) < 30'),
  onSeries('roc', 'roc', 0, [N()], 'Rate of change of x over n bars, in percent: (x / x[n] - 1) * 100.', 'roc(close, 20) > 5'),
  onSeries('stdev', 'stddev', 0, [N()], 'Population standard deviation of x over n bars.', 'stdev(close, 20)'),
  onSeries('bb_upper', 'bb', 0, [N(), K()], 'Upper Bollinger band: sma(x, n) + k population standard deviations.', 'close > bb_upper(close, 20, 2)'),
  onSeries('bb_middle', 'bb', 1, [N(), K()], 'Middle Bollinger band: sma(x, n) (k is accepted so the three bands read alike).', 'bb_middle(close, 20, 2)'),
  onSeries('bb_lower', 'bb', 2, [N(), K()], 'Lower Bollinger band: sma(x, n) - k population standard deviations.', 'low <= bb_lower(20, 2)'),
  onSeries('bb_pctb', 'bb', 3, [N(), K()], 'Where x sits between the bands, as a fraction: 0 at the lower band, 1 at the upper (0.5 when the window is flat).', 'bb_pctb(close, 20, 2) < 0'),
  onSeries('bb_width', 'bb', 4, [N(), K()], 'Band width as a fraction of the middle band: (upper - lower) / middle.', 'bb_width(20, 2) < 0.01'),
  onSeries('macd', 'macd', 0, [N('fast'), N('slow'), N('signal')], 'MACD line: ema(x, fast) - ema(x, slow), in price units.', 'macd(close, 12, 26, 9) > 0'),
  onSeries('macd_signal', 'macd', 1, [N('fast'), N('slow'), N('signal')], 'MACD signal line: the EMA of the MACD line over `signal` bars.', 'crosses_above(macd(12, 26, 9), macd_signal(12, 26, 9))'),
  onSeries('macd_hist', 'macd', 2, [N('fast'), N('slow'), N('signal')], 'MACD histogram: line - signal.', 'macd_hist(12, 26, 9) > 0'),
  {
    name: 'highest',
    category: 'indicator',
    args: [S(), N()],
    defaultSeries: 'high',
    returns: 'number',
    indicator: { key: 'highest', output: 0 },
    doc: 'Highest value of x over the last n bars, this bar included (x defaults to high). Use highest(high, 20)[1] for the 20 bars before this one.',
    example: 'close > highest(high, 20)[1]',
  },
  {
    name: 'lowest',
    category: 'indicator',
    args: [S(), N()],
    defaultSeries: 'low',
    returns: 'number',
    indicator: { key: 'lowest', output: 0 },
    doc: 'Lowest value of x over the last n bars, this bar included (x defaults to low).',
    example: 'close < lowest(low, 20)[1]',
  },
  onBar('atr', 'atr', 0, [N()], "Average true range over n bars (Wilder's smoothing), in price units.", 'stop 2 * atr(14)'),
  onBar('adx', 'adx', 0, [N()], 'Average directional index, 0 to 100: trend strength whatever its direction.', 'adx(14) > 25'),
  onBar('plus_di', 'adx', 1, [N()], 'Plus directional indicator of the ADX, 0 to 100.', 'plus_di(14) > minus_di(14)'),
  onBar('minus_di', 'adx', 2, [N()], 'Minus directional indicator of the ADX, 0 to 100.', 'minus_di(14) > 25'),
  onBar('cci', 'cci', 0, [N()], 'Commodity channel index of the typical price (high + low + close) / 3; mostly within -100..100.', 'cci(20) < -100'),
  onBar('mfi', 'mfi', 0, [N()], 'Money flow index, 0 to 100: RSI of the typical price weighted by volume.', 'mfi(14) > 80'),
  onBar('willr', 'willr', 0, [N()], "Williams %R, -100 to 0 (0 = close at the highest high of n bars).", 'willr(14) < -80'),
  onBar('stoch_k', 'stoch', 0, [N('k'), N('slowing'), N('d')], 'Slow stochastic %K, 0 to 100: where the close sits in the range of k bars, averaged over `slowing` bars.', 'stoch_k(14, 3, 3) < 20'),
  onBar('stoch_d', 'stoch', 1, [N('k'), N('slowing'), N('d')], 'Slow stochastic %D: the average of %K over d bars.', 'crosses_above(stoch_k(14, 3, 3), stoch_d(14, 3, 3))'),
  onBar('obv', 'obv', 0, [], 'On-balance volume: the running sum of volume, added on up closes and subtracted on down closes.', 'obv > sma(obv, 20)'),
  {
    name: 'crosses_above',
    category: 'signal',
    args: [S('a'), S('b')],
    returns: 'bool',
    doc: 'True on the bar where a goes from below b to above it: a[1] < b[1] and a > b (equal values never cross).',
    example: 'crosses_above(ema(close, 9), ema(close, 21))',
  },
  {
    name: 'crosses_below',
    category: 'signal',
    args: [S('a'), S('b')],
    returns: 'bool',
    doc: 'True on the bar where a goes from above b to below it: a[1] > b[1] and a < b.',
    example: 'crosses_below(rsi(14), 70)',
  },
  {
    name: 'percentile_rank',
    category: 'window',
    args: [S(), N()],
    returns: 'number',
    doc: 'Percent (0 to 100) of the previous n values of x that are at or below its value on this bar.',
    example: 'percentile_rank(atr(14), 100) > 80',
  },
  { name: 'abs', category: 'math', args: [S()], returns: 'number', doc: 'Absolute value.', example: 'abs(close - open) > atr(14)' },
  { name: 'min', category: 'math', args: [S('a'), S('b')], returns: 'number', doc: 'The smaller of a and b.', example: 'min(open, close) - low' },
  { name: 'max', category: 'math', args: [S('a'), S('b')], returns: 'number', doc: 'The larger of a and b.', example: 'max(open, close)' },
  { name: 'bars_in_trade', category: 'trade', args: [], returns: 'number', doc: 'Bars held in the current trade (1 at the close of the bar the entry filled on; 0 when flat).', example: 'exit when bars_in_trade > 48' },
  { name: 'position', category: 'trade', args: [], returns: 'number', doc: 'The current position: 1 long, -1 short, 0 flat.', example: 'exit when position > 0 and close >= bb_middle(20, 2)' },
  { name: 'hour', category: 'time', args: [], returns: 'number', doc: "Hour (0 to 23, UTC) of the bar's open time.", example: 'long when hour >= 7 and hour < 16 and close > sma(close, 50)' },
  { name: 'minute', category: 'time', args: [], returns: 'number', doc: "Minute (0 to 59, UTC) of the bar's open time.", example: 'minute == 0' },
  { name: 'day_of_week', category: 'time', args: [], returns: 'number', doc: "Day of the week of the bar's open time, UTC: 0 Sunday, 1 Monday ... 6 Saturday.", example: 'exit when day_of_week == 5 and hour >= 20' },
];

const BY_NAME = new Map(FUNCTIONS.map((f) => [f.name, f]));

export function functionSpec(name: string): FunctionSpec | undefined {
  return BY_NAME.get(name);
}

/** The price and volume series a program reads by name. */
export const SERIES = ['open', 'high', 'low', 'close', 'volume'] as const;
export type SeriesName = (typeof SERIES)[number];

export const SERIES_DOCS: Record<SeriesName, string> = {
  open: "The bar's open price.",
  high: "The bar's high price.",
  low: "The bar's low price.",
  close: "The bar's close price.",
  volume: "The bar's volume (tick volume for FX).",
};

/** Functions of no argument may be written without parentheses: `position`, `hour`, `obv`. */
export const BARE_NAMES: readonly string[] = FUNCTIONS.filter((f) => f.args.length === 0).map((f) => f.name);
