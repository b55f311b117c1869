import type { FeatureDecl, FeatureGroup, FeatureRun, FormulaBuilder } from './spec.ts';

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

/** A member of a run: its row of the spec table and what it gives the run's shape. */
export interface Member<P> {
  name: string;
  group: FeatureGroup;
  scale: string;
  formula: string;
  part: P;
}

export const member = <P>(name: string, group: FeatureGroup, scale: string, formula: string, part: P): Member<P> => ({ name, group, scale, formula, part });

/**
 * Consecutive features one kernel computes (see FeatureRun). `shape(parts)` builds the kernel
 * of the members given: each member's own build is the shape given that member alone, the
 * run's the shape given all of them, so both are one loop body with the same arithmetic. A
 * shape writes its members out one by one under `g > k` tests rather than looping over them:
 * a loop over the members reads their slots from an array on every bar and costs as much as
 * separate kernels; the tests are the same every bar and cost next to nothing.
 */
export function run<P>(members: readonly Member<P>[], shape: (parts: readonly P[]) => FormulaBuilder): FeatureDecl[] {
  const of: FeatureRun = { size: members.length, build: shape(members.map((m) => m.part)) };
  return members.map((m, k) => ({ name: m.name, group: m.group, formula: m.formula, scale: m.scale, build: shape([m.part]), run: { of, k } }));
}

/** Members a shape can take: `parts` between 1 and `max`. */
export function checkParts(shape: string, parts: readonly unknown[], max: number): void {
  if (parts.length < 1 || parts.length > max) throw new Error(`feature shape ${shape} takes 1 to ${max} members, got ${parts.length}`);
}

/**
 * (a − b) / ATR for up to 9 pairs over one ATR: distances and changes in volatility units,
 * comparable across symbols and regimes.
 */
export const inAtr =
  (atr: string) =>
  (parts: readonly { a: string; b: string }[]): FormulaBuilder =>
  (s) => {
    checkParts('inAtr', parts, 9);
    const g = parts.length;
    const A: number[] = [];
    const B: number[] = [];
    for (const p of parts) A.push(s(p.a)), B.push(s(p.b));
    const T = s(atr);
    const [A0, A1 = 0, A2 = 0, A3 = 0, A4 = 0, A5 = 0, A6 = 0, A7 = 0, A8 = 0] = A;
    const [B0, B1 = 0, B2 = 0, B3 = 0, B4 = 0, B5 = 0, B6 = 0, B7 = 0, B8 = 0] = B;
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const t = x[T + i];
        const b = o + i * os;
        out[b] = (x[A0 + i] - x[B0 + i]) / t;
        if (g > 1) out[b + 1] = (x[A1 + i] - x[B1 + i]) / t;
        if (g > 2) out[b + 2] = (x[A2 + i] - x[B2 + i]) / t;
        if (g > 3) out[b + 3] = (x[A3 + i] - x[B3 + i]) / t;
        if (g > 4) out[b + 4] = (x[A4 + i] - x[B4 + i]) / t;
        if (g > 5) out[b + 5] = (x[A5 + i] - x[B5 + i]) / t;
        if (g > 6) out[b + 6] = (x[A6 + i] - x[B6 + i]) / t;
        if (g > 7) out[b + 7] = (x[A7 + i] - x[B7 + i]) / t;
        if (g > 8) out[b + 8] = (x[A8 + i] - x[B8 + i]) / t;
      }
    };
  };

/** (a − b) / ATR, one feature. */
export const diffInAtr = (a: string, b: string, atr: string): FormulaBuilder => inAtr(atr)([{ a, b }]);

/**
 * (v − mid) / half for up to 7 slots: maps a bounded oscillator onto roughly -1..1; with mid 0
 * a plain rescale v / half (v − 0 is v, to the bit, −0 and NaN included).
 */
export const centredParts =
  (parts: readonly { v: string; mid: number; half: number }[]): FormulaBuilder =>
  (s) => {
    checkParts('centred', parts, 7);
    const g = parts.length;
    const V = parts.map((p) => s(p.v));
    const [V0, V1 = 0, V2 = 0, V3 = 0, V4 = 0, V5 = 0, V6 = 0] = V;
    const [M0, M1 = 0, M2 = 0, M3 = 0, M4 = 0, M5 = 0, M6 = 0] = parts.map((p) => p.mid);
    const [H0, H1 = 1, H2 = 1, H3 = 1, H4 = 1, H5 = 1, H6 = 1] = parts.map((p) => p.half);
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const b = o + i * os;
        out[b] = (x[V0 + i] - M0) / H0;
        if (g > 1) out[b + 1] = (x[V1 + i] - M1) / H1;
        if (g > 2) out[b + 2] = (x[V2 + i] - M2) / H2;
        if (g > 3) out[b + 3] = (x[V3 + i] - M3) / H3;
        if (g > 4) out[b + 4] = (x[V4 + i] - M4) / H4;
        if (g > 5) out[b + 5] = (x[V5 + i] - M5) / H5;
        if (g > 6) out[b + 6] = (x[V6 + i] - M6) / H6;
      }
    };
  };

/** (v − mid) / half, one feature. */
export const centred = (v: string, mid: number, half: number): FormulaBuilder => centredParts([{ v, mid, half }]);

/** a / b for up to 3 pairs. */
export const ratios =
  (parts: readonly { a: string; b: string }[]): FormulaBuilder =>
  (s) => {
    checkParts('ratios', parts, 3);
    const g = parts.length;
    const A: number[] = [];
    const B: number[] = [];
    for (const p of parts) A.push(s(p.a)), B.push(s(p.b));
    const [A0, A1 = 0, A2 = 0] = A;
    const [B0, B1 = 0, B2 = 0] = B;
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const b = o + i * os;
        out[b] = x[A0 + i] / x[B0 + i];
        if (g > 1) out[b + 1] = x[A1 + i] / x[B1 + i];
        if (g > 2) out[b + 2] = x[A2 + i] / x[B2 + i];
      }
    };
  };

/** a / b, one feature. */
export const ratio = (a: string, b: string): FormulaBuilder => ratios([{ a, b }]);

/** Up to 4 slots passed through unchanged (context, or an indicator output already unit-scale). */
export const passthroughs =
  (slots: readonly string[]): FormulaBuilder =>
  (s) => {
    checkParts('passthroughs', slots, 4);
    const g = slots.length;
    const [V0, V1 = 0, V2 = 0, V3 = 0] = slots.map((v) => s(v));
    return (x, n, out, o, os) => {
      for (let i = 0; i < n; i++) {
        const b = o + i * os;
        out[b] = x[V0 + i];
        if (g > 1) out[b + 1] = x[V1 + i];
        if (g > 2) out[b + 2] = x[V2 + i];
        if (g > 3) out[b + 3] = x[V3 + i];
      }
    };
  };

/** A slot passed through unchanged, one feature. */
export const passthrough = (slot: string): FormulaBuilder => passthroughs([slot]);
