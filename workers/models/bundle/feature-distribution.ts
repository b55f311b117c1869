/**
 * A feature's distribution over the training rows, as a bundle stores it
 * (manifest `training.distribution`) for drift checks against live values.
 *
 * Bins from `edges` e0 < e1 < ... < ek (e0 the training minimum, ek the maximum, between
 * them the deciles, duplicates dropped), k + 3 of them:
 * - bin 0: x < e0 (below anything seen in training);
 * - bin 1: x = e0 (the minimum on its own: a feature constant in training, or a count's 0, is
 *   one bin, and a two-valued one such as a direction -1 / +1 gets two);
 * - bin j + 1 (j = 1..k): e(j-1) < x <= ej;
 * - bin k + 2: x > ek (above anything seen in training).
 * `shares` are the training rows' proportions per bin (the first and last are 0 by
 * construction). A live value outside the training range therefore lands in a bin of its
 * own rather than in the nearest one.
 */

export interface FeatureBins {
  edges: number[];
  shares: number[];
}

/** Quantile groups of the binning: deciles. */
export const DISTRIBUTION_GROUPS = 10;

/** How many bins edges make: k + 3 with k + 1 edges. */
export function binCount(edges: readonly number[]): number {
  return edges.length + 2;
}

/** The bin of x (see the header), or -1 when x is not a finite number (not counted anywhere). */
export function binIndex(edges: readonly number[], x: number): number {
  if (!Number.isFinite(x)) return -1;
  const k = edges.length - 1;
  if (x < edges[0]) return 0;
  if (x === edges[0]) return 1;
  if (x > edges[k]) return k + 2;
  // The smallest j in 1..k with x <= edges[j]: bin j + 1.
  let lo = 1;
  let hi = k;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo + 1;
}

/**
 * Edges and shares of finite values (NaN rows are left out). Quantiles by nearest rank:
 * q(p) = sorted[ceil(p·n) − 1]. `round` is applied to the shares only (the builder writes
 * 6 decimals); edges are kept exact, so a value equal to an edge bins the same everywhere.
 */
export function featureBins(values: ArrayLike<number>, round: (x: number) => number = (x) => x): FeatureBins | null {
  const v = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return null;
  const cuts = [v[0]];
  for (let g = 1; g < DISTRIBUTION_GROUPS; g++) cuts.push(v[Math.ceil((g / DISTRIBUTION_GROUPS) * n) - 1]);
  cuts.push(v[n - 1]);
  const edges = cuts.filter((e, i) => i === 0 || e > cuts[i - 1]);
  const counts = new Array<number>(binCount(edges)).fill(0);
  for (const x of v) counts[binIndex(edges, x)]++;
  return { edges, shares: counts.map((c) => round(c / n)) };
}

/** Problems with one feature's stored bins, naming the feature; [] when sound. */
export function featureBinsProblems(name: string, b: unknown): string[] {
  const at = `training.distribution.${name}`;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return [`${at} must be { edges: number[], shares: number[] }`];
  const { edges, shares } = b as { edges?: unknown; shares?: unknown };
  if (!Array.isArray(edges) || edges.length === 0 || !edges.every((e) => typeof e === 'number' && Number.isFinite(e))) return [`${at}.edges must list at least one finite number`];
  if (edges.some((e, i) => i > 0 && !(e > edges[i - 1]))) return [`${at}.edges must be strictly increasing`];
  const want = binCount(edges);
  if (!Array.isArray(shares) || shares.length !== want) return [`${at}.shares must have ${want} entries for ${edges.length} edges (below the first edge, at it, one per interval between edges, above the last)`];
  if (!shares.every((s) => typeof s === 'number' && s >= 0 && s <= 1)) return [`${at}.shares must be proportions in [0, 1]`];
  const sum = (shares as number[]).reduce((a, s) => a + s, 0);
  if (Math.abs(sum - 1) > 1e-3) return [`${at}.shares sum to ${+sum.toPrecision(6)}, not 1`];
  return [];
}
