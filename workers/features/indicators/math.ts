/**
 * Per-bar formulas shared by the batch and the streaming form of every
 * indicator. Both forms call these same functions so that they perform the same
 * floating-point operations in the same order (bit-identical results).
 */

/** EMA smoothing ratio (TTR `EMA(wilder = FALSE)`, TA-Lib `EMA`). */
export function emaRatio(n: number): number {
  return 2 / (n + 1);
}

/** Wilder's smoothing ratio (TTR `EMA(wilder = TRUE)`, used by RSI, ATR, ADX). */
export function wilderRatio(n: number): number {
  return 1 / n;
}

/** One exponential-smoothing step in TTR's operation order: x·ratio + prev·(1 − ratio). */
export function smoothStep(prev: number, x: number, ratio: number, keep: number): number {
  return x * ratio + prev * keep;
}

/** One step of TTR's `wilderSum` (Wilder's running sum for +DM, −DM and TR): x + prev·(n − 1)/n. */
export function wilderSumStep(prev: number, x: number, keep: number): number {
  return x + prev * keep;
}

/** True range as TTR computes it: max(high, prevClose) − min(low, prevClose); NaN without a previous close. */
export function trueRange(high: number, low: number, prevClose: number): number {
  return Math.max(high, prevClose) - Math.min(low, prevClose);
}

/** Wilder's +DM from the high's rise `up` and the low's fall `down` (TTR `ADX` rules). */
export function plusDM(up: number, down: number): number {
  return up > down && up > 0 ? up : 0;
}

/** Wilder's −DM from the high's rise `up` and the low's fall `down`. */
export function minusDM(up: number, down: number): number {
  return down > up && down > 0 ? down : 0;
}

/** Typical price (H + L + C) / 3, the input of CCI and MFI. */
export function typicalPrice(high: number, low: number, close: number): number {
  return (high + low + close) / 3;
}

/**
 * 100·up / (up + down): the 0-100 balance behind RSI (average gain vs loss) and
 * MFI (positive vs negative money flow). No movement at all (0/0) is neutral: 50.
 */
export function balance100(up: number, down: number): number {
  const total = up + down;
  return total === 0 ? 50 : (100 * up) / total;
}

/** The gain part of a change (RSI): d if positive, else 0; NaN stays NaN so bad input is visible. */
export function gainOf(d: number): number {
  return d > 0 ? d : d <= 0 ? 0 : NaN;
}

/** The loss part of a change (RSI), as a positive number; NaN stays NaN. */
export function lossOf(d: number): number {
  return d < 0 ? -d : d >= 0 ? 0 : NaN;
}
