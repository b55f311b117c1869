import type { FeatureDecl, FormulaBuilder } from './spec.ts';
import { checkParts, feature, member, passthroughs, run } from './formulas.ts';

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

/** One time-of-week feature: the fractional UTC hour of the bar's open (M30 bars fall between whole hours) or its UTC weekday (Monday = 0), as an angle, through sin or cos. */
interface TimePart {
  of: 'hour' | 'dow';
  trig: 'sin' | 'cos';
}

/**
 * Up to four time-of-week features. Hour entry m: the value at minute m of the day, i.e. for
 * t % DAY_MS = m · MINUTE_MS exactly; weekday entry d: the value for (floor(t / DAY_MS) + 3) % 7 = d
 * (0..6 when t > 0; 1970-01-01 was a Thursday, hence +3).
 */
const timeOfWeek =
  (parts: readonly TimePart[]): FormulaBuilder =>
  (s) => {
    checkParts('timeOfWeek', parts, 4);
    const g = parts.length;
    const T = s('time');
    const fs = parts.map((p) => (p.trig === 'sin' ? Math.sin : Math.cos));
    const tabs = parts.map((p, k) =>
      p.of === 'hour' ? table('hour_' + p.trig, DAY_MS / MINUTE_MS, (m) => fs[k](hourAngle(m * MINUTE_MS))) : table('dow_' + p.trig, 7, (d) => fs[k]((TWO_PI * d) / 7)),
    );
    const [H0, H1 = false, H2 = false, H3 = false] = parts.map((p) => p.of === 'hour');
    const [Y0, Y1 = Y0, Y2 = Y0, Y3 = Y0] = tabs;
    const [F0, F1 = F0, F2 = F0, F3 = F0] = fs;
    // The value of member k at time t: from its table when the index is exact, else the formula itself.
    const at = (hour: boolean, tab: Float64Array, f: (a: number) => number, t: number, okH: boolean, m: number, okD: boolean, d: number) =>
      hour ? (okH ? tab[m] : f(hourAngle(t))) : okD ? tab[d] : f(dowAngle(t));
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const t = x[T + i];
        const day = Math.floor(t / DAY_MS);
        const r = t - day * DAY_MS; // t % DAY_MS when 0 < t < EXACT_MS and 0 <= r < DAY_MS
        const m = r / MINUTE_MS; // a whole minute m exactly when m · MINUTE_MS gives r back
        const okD = t > 0 && t < EXACT_MS;
        const okH = okD && r >= 0 && r < DAY_MS && m === Math.floor(m) && m * MINUTE_MS === r;
        // Below EXACT_MS the day number fits an int32, so `%` here is an integer remainder.
        const d = okD ? ((day + 3) | 0) % 7 : 0;
        const b = o + i * os;
        out[b] = at(H0, Y0, F0, t, okH, m, okD, d);
        if (g > 1) out[b + 1] = at(H1, Y1, F1, t, okH, m, okD, d);
        if (g > 2) out[b + 2] = at(H2, Y2, F2, t, okH, m, okD, d);
        if (g > 3) out[b + 3] = at(H3, Y3, F3, t, okH, m, okD, d);
      }
    };
  };

// Sine and cosine together: 23:00 and 00:00 end up close, as they are.
const time: FeatureDecl[] = run<TimePart>(
  [
    member('hour_sin', 'time', '-1..1', 'sin(2π · h / 24), h = UTC hour of the bar open (fractional)', { of: 'hour', trig: 'sin' }),
    member('hour_cos', 'time', '-1..1', 'cos(2π · h / 24)', { of: 'hour', trig: 'cos' }),
    member('dow_sin', 'time', '-1..1', 'sin(2π · d / 7), d = UTC weekday of the bar open, Monday = 0', { of: 'dow', trig: 'sin' }),
    member('dow_cos', 'time', '-1..1', 'cos(2π · d / 7)', { of: 'dow', trig: 'cos' }),
  ],
  timeOfWeek,
);

const context: FeatureDecl[] = [
  ...run(
    [
      member('ctx_direction', 'context', '-1, 0, +1', 'proposed direction: -1 sell, 0 none, +1 buy', 'direction'),
      member('ctx_open_positions', 'context', 'count (0..10 typical)', 'open positions across the account', 'openPositions'),
      member('ctx_drawdown', 'context', '0..1', 'account drawdown from peak equity, fraction', 'drawdown'),
      member('ctx_position_side', 'context', '-1, 0, +1', 'position in this symbol: -1 short, 0 flat, +1 long', 'positionSide'),
    ],
    passthroughs,
  ),
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
  ...run(
    [
      member('ctx_leverage', 'context', '0..≈5', 'gross open notional / equity', 'leverage'),
      member('ctx_loss_streak', 'context', 'count (0..5 typical)', 'consecutive losing trades just closed', 'lossStreak'),
    ],
    passthroughs,
  ),
];

export const TIME_AND_CONTEXT_FEATURES: readonly FeatureDecl[] = [...time, ...context];
