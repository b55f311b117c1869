import type { FeatureDecl } from './spec.ts';
import { feature, passthrough } from './formulas.ts';

/**
 * risk-obs-v1, time and trade context: when the bar is, and what the account
 * and the proposed trade look like. Context comes from the caller (0 when not
 * given), so the same spec serves pure-market training and live risk checks.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const TWO_PI = 2 * Math.PI;

const MINUTE_MS = 60_000;
/** 2^52 ms (year 142,000): below it whole days times DAY_MS stay exact doubles. */
const EXACT_MS = 2 ** 52;

/*
 * Bars open on whole minutes, so the angle takes at most 1,440 values a day and
 * 7 a week: the sines and cosines come from tables filled with the very same
 * expression on the same doubles (bit for bit what the formula gives), computed
 * once. Anything else (zero or negative, fractional-minute, NaN or huge times: -0 keeps its sign) takes the
 * formula itself. Math.sin/cos per bar cost more than all the ratio features together, and
 * so does `%` on doubles (a call to fmod): the day and the time of day come from one
 * division and a subtraction instead, which is exact in that range (fmod is exact too).
 */
const hourAngle = (t: number) => (TWO_PI * ((t % DAY_MS) / HOUR_MS)) / 24;
const dowAngle = (t: number) => (TWO_PI * ((Math.floor(t / DAY_MS) + 3) % 7)) / 7;
const tables = new Map<string, Float64Array>();
function table(key: string, size: number, f: (k: number) => number): Float64Array {
  let t = tables.get(key);
  if (t === undefined) {
    t = new Float64Array(size);
    for (let k = 0; k < size; k++) t[k] = f(k);
    tables.set(key, t);
  }
  return t;
}

/** Fractional UTC hour of the bar's open (M30 bars fall between whole hours), as an angle. */
const hourFeature = (name: string, formula: string, trig: 'sin' | 'cos') =>
  feature(name, 'time', '-1..1', formula, (s) => {
    const T = s('time');
    const f = trig === 'sin' ? Math.sin : Math.cos;
    // Entry m: the value at minute m of the day, i.e. for t % DAY_MS = m · MINUTE_MS exactly.
    const byMinute = table('hour_' + trig, DAY_MS / MINUTE_MS, (m) => f(hourAngle(m * MINUTE_MS)));
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const t = x[T + i];
        const r = t - Math.floor(t / DAY_MS) * DAY_MS; // t % DAY_MS when 0 < t < EXACT_MS and 0 <= r < DAY_MS
        const m = r / MINUTE_MS; // a whole minute m exactly when m · MINUTE_MS gives r back
        out[o + i * os] = t > 0 && t < EXACT_MS && r >= 0 && r < DAY_MS && m === Math.floor(m) && m * MINUTE_MS === r ? byMinute[m] : f(hourAngle(t));
      }
    };
  });

/** UTC weekday of the bar's open, Monday = 0 (1970-01-01 was a Thursday, hence +3), as an angle. */
const dowFeature = (name: string, formula: string, trig: 'sin' | 'cos') =>
  feature(name, 'time', '-1..1', formula, (s) => {
    const T = s('time');
    const f = trig === 'sin' ? Math.sin : Math.cos;
    // Entry d: the value for weekday d, i.e. for (floor(t / DAY_MS) + 3) % 7 = d (0..6 when t > 0).
    const byDay = table('dow_' + trig, 7, (d) => f((TWO_PI * d) / 7));
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const t = x[T + i];
        // Below EXACT_MS the day number fits an int32, so `%` here is an integer remainder.
        out[o + i * os] = t > 0 && t < EXACT_MS ? byDay[((Math.floor(t / DAY_MS) + 3) | 0) % 7] : f(dowAngle(t));
      }
    };
  });

const time: FeatureDecl[] = [
  // Sine and cosine together: 23:00 and 00:00 end up close, as they are.
  hourFeature('hour_sin', 'sin(2π · h / 24), h = UTC hour of the bar open (fractional)', 'sin'),
  hourFeature('hour_cos', 'cos(2π · h / 24)', 'cos'),
  dowFeature('dow_sin', 'sin(2π · d / 7), d = UTC weekday of the bar open, Monday = 0', 'sin'),
  dowFeature('dow_cos', 'cos(2π · d / 7)', 'cos'),
];

const context: FeatureDecl[] = [
  feature('ctx_direction', 'context', '-1, 0, +1', 'proposed direction: -1 sell, 0 none, +1 buy', passthrough('direction')),
  feature('ctx_open_positions', 'context', 'count (0..10 typical)', 'open positions across the account', passthrough('openPositions')),
  feature('ctx_drawdown', 'context', '0..1', 'account drawdown from peak equity, fraction', passthrough('drawdown')),
  feature('ctx_position_side', 'context', '-1, 0, +1', 'position in this symbol: -1 short, 0 flat, +1 long', passthrough('positionSide')),
  feature('ctx_adds_to_position', 'context', '-1, 0, +1', 'direction · positionSide: +1 adds to the position, -1 trades against it', (s) => {
    const D = s('direction');
    const P = s('positionSide');
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = x[D + i] * x[P + i];
    };
  }),
  feature('ctx_upnl_atr', 'context', '≈ -5..5', 'positionSide · (C − entryPrice) / ATR14; 0 when flat', (s) => {
    const P = s('positionSide');
    const C = s('close');
    const E = s('entryPrice');
    const T = s('atr14');
    // Flat means no P&L, even while ATR is still warming up.
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = x[P + i] === 0 ? 0 : (x[P + i] * (x[C + i] - x[E + i])) / x[T + i];
    };
  }),
  feature('ctx_bars_in_trade', 'context', '0..≈1.5', 'ln(1 + barsSinceEntry) / 5', (s) => {
    const B = s('barsSinceEntry');
    // Log scale: the first bars of a trade matter more than bar 300 vs 310; /5 puts ~150 bars at 1.
    // Flat (0 bars, or ±0 with no context) needs no Math.log1p: log1p(±0) / 5 is that same ±0.
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const b = x[B + i];
        out[o + i * os] = b === 0 ? b : Math.log1p(b) / 5;
      }
    };
  }),
  feature('ctx_leverage', 'context', '0..≈5', 'gross open notional / equity', passthrough('leverage')),
  feature('ctx_loss_streak', 'context', 'count (0..5 typical)', 'consecutive losing trades just closed', passthrough('lossStreak')),
];

export const TIME_AND_CONTEXT_FEATURES: readonly FeatureDecl[] = [...time, ...context];
