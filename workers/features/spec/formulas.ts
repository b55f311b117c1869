import type { FeatureDecl, FeatureGroup, FormulaBuilder } from './spec.ts';

/**
 * Builders for the shapes most features share, so a spec file reads as a table
 * of features. Each returns a kernel whose loop is written out here (no
 * per-bar callback): a callback shared by many features would be a megamorphic
 * call on every bar, which is what kernels exist to avoid.
 */

export const feature = (name: string, group: FeatureGroup, scale: string, formula: string, build: FormulaBuilder): FeatureDecl => ({
  name,
  group,
  formula,
  scale,
  build,
});

/** (a − b) / ATR: distances and changes in volatility units, comparable across symbols and regimes. */
export const diffInAtr =
  (a: string, b: string, atr: string): FormulaBuilder =>
  (s) => {
    const A = s(a);
    const B = s(b);
    const T = s(atr);
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = (x[A + i] - x[B + i]) / x[T + i];
    };
  };

/** (v − mid) / half: maps a bounded oscillator onto roughly -1..1. */
export const centred =
  (slot: string, mid: number, half: number): FormulaBuilder =>
  (s) => {
    const V = s(slot);
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = (x[V + i] - mid) / half;
    };
  };

/** v / divisor: a plain rescale. */
export const scaled =
  (slot: string, divisor: number): FormulaBuilder =>
  (s) => {
    const V = s(slot);
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = x[V + i] / divisor;
    };
  };

/** a / b. */
export const ratio =
  (a: string, b: string): FormulaBuilder =>
  (s) => {
    const A = s(a);
    const B = s(b);
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = x[A + i] / x[B + i];
    };
  };

/** A slot passed through unchanged (context, or an indicator output already unit-scale). */
export const passthrough =
  (slot: string): FormulaBuilder =>
  (s) => {
    const V = s(slot);
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) out[o + i * os] = x[V + i];
    };
  };
