/**
 * The built-in cells: strategies written in the lab language, as source text.
 * Each is a starting point to test, fork and evolve; tests/lab runs every one
 * on the bundled data in batch and streaming form.
 */

export type CellCategory = 'momentum' | 'mean-reversion' | 'breakout' | 'regime' | 'other';

export const CELL_CATEGORIES: readonly CellCategory[] = ['momentum', 'mean-reversion', 'breakout', 'regime', 'other'];

export interface BuiltinCell {
  name: string;
  category: CellCategory;
  hypothesis: string;
  source: string;
}

/** The TypeScript sma-cross (workers/strategies/sma-cross.ts) with its defaults, written in the language. */
export const SMA_CROSS = `# Fast and slow simple moving averages of the close: long on a cross up, short on a cross down.
long when crosses_above(sma(close, 10), sma(close, 20))
short when crosses_below(sma(close, 10), sma(close, 20))
`;

export const MEAN_REVERSION = `# Stretched prices snap back: fade an RSI extreme at a Bollinger band touch,
# take the profit back at the middle band.
long when rsi(14) < 30 and low <= bb_lower(close, 20, 2)
short when rsi(14) > 70 and high >= bb_upper(close, 20, 2)
exit when position > 0 and close >= bb_middle(close, 20, 2)
  or position < 0 and close <= bb_middle(close, 20, 2)
stop 2 * atr(14)
`;

export const BREAKOUT = `# A close beyond the range of the last 20 bars on at least twice the usual volume
# starts a move; a trailing stop lets it run.
let n = 20
let surge = volume >= 2 * sma(volume, n)[1]
long when close > highest(high, n)[1] and surge
short when close < lowest(low, n)[1] and surge
stop 2 * atr(14)
trail 2 * atr(14)
`;

export const REGIME_SWITCH = `# Trade each market the way it moves. Trend by ADX, volatility by where today's
# ATR ranks among the last 100 bars:
#   trending -> the EMA cross, ranging -> mean reversion, volatile -> breakout, calm -> stand aside.
let vol = percentile_rank(atr(14), 100)
let volatile = vol > 80
let calm = vol < 20
let trending = adx(14) > 25 and not volatile and not calm
let ranging = adx(14) < 20 and not volatile and not calm
let surge = volume >= 2 * sma(volume, 20)[1]

long when trending and crosses_above(ema(close, 9), ema(close, 21))
  or ranging and rsi(14) < 30 and low <= bb_lower(close, 20, 2)
  or volatile and close > highest(high, 20)[1] and surge
short when trending and crosses_below(ema(close, 9), ema(close, 21))
  or ranging and rsi(14) > 70 and high >= bb_upper(close, 20, 2)
  or volatile and close < lowest(low, 20)[1] and surge
exit when calm
  or bars_in_trade > 48
stop 2 * atr(14)
trail 3 * atr(14)
`;

export const BUILTIN_CELLS: readonly BuiltinCell[] = [
  { name: 'sma-cross', category: 'momentum', hypothesis: 'A faster average crossing a slower one marks the start of a trend worth following.', source: SMA_CROSS },
  { name: 'mean-reversion', category: 'mean-reversion', hypothesis: 'An RSI extreme at a Bollinger band is an overreaction that returns to the middle band.', source: MEAN_REVERSION },
  { name: 'breakout', category: 'breakout', hypothesis: 'A close beyond the recent range on heavy volume starts a move that a trailing stop can ride.', source: BREAKOUT },
  { name: 'regime-switch', category: 'regime', hypothesis: 'No single style works in every market: follow trends, fade ranges, ride volatility, and stand aside when it is calm.', source: REGIME_SWITCH },
];
