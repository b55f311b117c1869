/** Bar timeframes, by their cTrader-style codes. */
export const TIMEFRAMES = ['M1', 'M5', 'M15', 'M30', 'H1', 'H4', 'D1', 'W1', 'MN1'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

const MINUTE_MS = 60_000;

/**
 * Nominal length of one bar in ms. MN1 is nominal (30 days): months differ in
 * length, so anything calendar-exact (bar boundaries, resampling) must use
 * `barOpenTime` rather than multiples of this.
 */
export const TIMEFRAME_MS: Record<Timeframe, number> = {
  M1: MINUTE_MS,
  M5: 5 * MINUTE_MS,
  M15: 15 * MINUTE_MS,
  M30: 30 * MINUTE_MS,
  H1: 60 * MINUTE_MS,
  H4: 240 * MINUTE_MS,
  D1: 1440 * MINUTE_MS,
  W1: 7 * 1440 * MINUTE_MS,
  MN1: 30 * 1440 * MINUTE_MS,
};

/** Bars per year, used to annualise Sharpe and Sortino (FX-style 24h sessions; D1 uses 252 trading days). */
export const BARS_PER_YEAR: Record<Timeframe, number> = {
  M1: 252 * 1440,
  M5: 252 * 288,
  M15: 252 * 96,
  M30: 252 * 48,
  H1: 252 * 24,
  H4: 252 * 6,
  D1: 252,
  W1: 52,
  MN1: 12,
};

export function isTimeframe(s: string): s is Timeframe {
  return (TIMEFRAMES as readonly string[]).includes(s);
}

export function parseTimeframe(s: string): Timeframe {
  const up = s.trim().toUpperCase();
  if (!isTimeframe(up)) throw new Error(`unknown timeframe "${s}" (expected one of ${TIMEFRAMES.join(' ')})`);
  return up;
}

/** Monday 1970-01-05 00:00 UTC: weeks open on Monday, as FX and most charting platforms count them. */
const FIRST_MONDAY_MS = 4 * 86_400_000;

/** The open time (ms UTC) of the `tf` bar that contains instant `t`. */
export function barOpenTime(t: number, tf: Timeframe): number {
  if (tf === 'MN1') {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  if (tf === 'W1') {
    const w = TIMEFRAME_MS.W1;
    return Math.floor((t - FIRST_MONDAY_MS) / w) * w + FIRST_MONDAY_MS;
  }
  const ms = TIMEFRAME_MS[tf];
  return Math.floor(t / ms) * ms;
}

/** The open time of the bar after the one opening at `openTime` (its close instant). */
export function nextBarOpenTime(openTime: number, tf: Timeframe): number {
  if (tf === 'MN1') {
    const d = new Date(openTime);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return openTime + TIMEFRAME_MS[tf];
}
