import type { FeatureSpec } from '../../features/spec/index.ts';

/**
 * A scaler divides each feature by its std. A std far below the feature's documented scale
 * (docs/FEATURES.md, the spec's `scale` column) comes from a column that barely varied in
 * training (the classic `std + 1e-8` on a constant column): live, the engine then multiplies
 * ordinary values by 1e8 and the model sees nonsense. Validation refuses a std below
 * STD_FLOOR_SHARE of the documented scale, naming the feature.
 */
export const STD_FLOOR_SHARE = 1e-3;

/**
 * The typical magnitude a scale text states: the largest absolute number in it, read from the
 * text before any parenthesis ('≈ -2..2 (ATR units)' -> 2), or from inside the parenthesis when
 * the text before has none ('% of price (≈0.1 EURUSD H1)' -> 0.1; a digit glued to a letter,
 * as in H1, is not a number). NaN when the text states none.
 */
export function scaleMagnitude(scale: string): number {
  const numbers = (t: string) => [...t.matchAll(/(?<![A-Za-z0-9]|\d\.)[-+±−]?(\d+(?:\.\d+)?)/g)].map((m) => Number(m[1]));
  const paren = scale.indexOf('(');
  let found = numbers(paren >= 0 ? scale.slice(0, paren) : scale);
  if (found.length === 0 && paren >= 0) found = numbers(scale.slice(paren));
  const max = Math.max(0, ...found);
  return max > 0 ? max : NaN;
}

/** The first std below its floor, as a problem naming the feature, or null. */
export function stdFloorProblem(spec: FeatureSpec, std: readonly number[]): string | null {
  for (let k = 0; k < spec.features.length && k < std.length; k++) {
    const f = spec.features[k];
    const floor = STD_FLOOR_SHARE * scaleMagnitude(f.scale);
    if (!(std[k] < floor)) continue;
    return (
      `scaler.std[${k}] is ${std[k]} for feature ${f.name}, below the floor ${floor} (1/${1 / STD_FLOOR_SHARE} of its documented scale "${f.scale}", docs/FEATURES.md): ` +
      `live, the engine would multiply its values by ${(1 / std[k]).toPrecision(2)}. The column barely varied in the training rows; ` +
      `if it was constant, set its std to 1 (mean = the constant) so the model reads it as 0 (train on \`tradeguard features --with-context\` to give context columns real values)`
    );
  }
  return null;
}
