import type { Timeframe } from '../market/timeframe.ts';
import type { RiskView } from './rule.ts';

/**
 * Correlation of returns between the series the engine sees: what the
 * correlation rule judges an entry by and the risk view's matrix shows.
 * "No number" is null, never NaN and never a throw: too few closes, a close
 * that is not a positive finite price, or a series that did not move.
 *
 * Two series are lined up by position (the last N closes of each), not by
 * time: exact for series on one timeframe and one session (two FX pairs),
 * approximate across sessions (a stock's holidays against a pair's weekdays).
 */

/** Simple returns of consecutive closes, or null when a close is not a positive finite price. */
export function simpleReturns(closes: readonly number[]): number[] | null {
  const out = new Array<number>(Math.max(0, closes.length - 1));
  for (let i = 1; i < closes.length; i++) {
    const a = closes[i - 1];
    const b = closes[i];
    if (!(a > 0) || !Number.isFinite(a) || !Number.isFinite(b)) return null;
    out[i - 1] = b / a - 1;
  }
  return out;
}

/** Pearson correlation of two equally long samples; null below 2 points or when either does not vary. */
export function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  if (n !== y.length || n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return correlationOf(sxy, sxx, syy);
}

function correlationOf(sxy: number, sxx: number, syy: number): number | null {
  if (!(sxx > 0) || !(syy > 0)) return null;
  const r = sxy / Math.sqrt(sxx * syy);
  return Number.isFinite(r) ? Math.max(-1, Math.min(1, r)) : null;
}

/** A sample less its mean, and its sum of squares: pearson's first loop and its sxx, once per series. */
function centre(x: readonly number[]): { d: Float64Array; ss: number } {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  const d = new Float64Array(n);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    d[i] = x[i] - m;
    ss += d[i] * d[i];
  }
  return { d, ss };
}

/**
 * Correlation of the simple returns over the last `bars` returns of two close
 * series (each needs bars + 1 closes): null until both have that many. A short
 * history gives no number rather than a noisy one.
 */
export function returnsCorrelation(a: readonly number[], b: readonly number[], bars: number): number | null {
  if (!(bars >= 2) || a.length < bars + 1 || b.length < bars + 1) return null;
  const ra = simpleReturns(a.slice(a.length - bars - 1));
  const rb = simpleReturns(b.slice(b.length - bars - 1));
  return ra && rb ? pearson(ra, rb) : null;
}

/** Correlation of two symbols' returns on one timeframe, from the closes the engine kept. */
export function symbolCorrelation(view: Pick<RiskView, 'closes'>, a: string, b: string, timeframe: Timeframe, bars: number): number | null {
  return returnsCorrelation(view.closes(a, timeframe, bars + 1), view.closes(b, timeframe, bars + 1), bars);
}

export interface CorrelationMatrix {
  timeframe: Timeframe;
  lookbackBars: number;
  /** The watched symbols on the timeframe, sorted. */
  symbols: string[];
  /** matrix[i][j]: correlation of symbols[i] and symbols[j]; null = no number (too few bars, no movement). */
  matrix: (number | null)[][];
}

/**
 * The correlation matrix of every symbol with closes on `timeframe`: each series'
 * returns taken and centred once, each pair once. The host builds it for every
 * status it pushes (each step), so a pair costs one dot product; the numbers are
 * pearson's exactly (the same sums in the same order).
 */
export function correlationMatrix(view: Pick<RiskView, 'closes' | 'watched'>, timeframe: Timeframe, lookbackBars: number): CorrelationMatrix {
  const symbols = [...view.watched(timeframe)].sort();
  const centred = symbols.map((s) => {
    const c = view.closes(s, timeframe, lookbackBars + 1);
    const r = c.length < lookbackBars + 1 ? null : simpleReturns(c);
    return r && r.length >= 2 ? centre(r) : null;
  });
  const matrix = symbols.map(() => new Array<number | null>(symbols.length).fill(null));
  for (let i = 0; i < symbols.length; i++) {
    const a = centred[i];
    if (!a) continue;
    for (let j = i; j < symbols.length; j++) {
      const b = centred[j];
      if (!b || b.d.length !== a.d.length) continue;
      let sxy = 0;
      for (let k = 0; k < a.d.length; k++) sxy += a.d[k] * b.d[k];
      const r = correlationOf(sxy, a.ss, b.ss);
      matrix[i][j] = r;
      matrix[j][i] = r;
    }
  }
  return { timeframe, lookbackBars, symbols, matrix };
}
