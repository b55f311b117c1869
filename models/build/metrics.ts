/** Plain metric functions over predictions and outcomes (float64, deterministic). */

const P_MIN = 1e-15;

/** Index of the largest value in row r of a row-major [rows, width] matrix (first one on ties). */
export function argmaxRow(p: ArrayLike<number>, width: number, r: number): number {
  let best = 0;
  for (let c = 1; c < width; c++) if (p[r * width + c] > p[r * width + best]) best = c;
  return best;
}

/** Mean of −ln p[true class], probabilities clipped at 1e-15. */
export function multiLogLoss(p: ArrayLike<number>, width: number, y: ArrayLike<number>): number {
  let s = 0;
  for (let r = 0; r < y.length; r++) s -= Math.log(Math.max(p[r * width + y[r]], P_MIN));
  return s / y.length;
}

/** Mean Bernoulli log loss of probabilities p against outcomes y in {0, 1}. */
export function binaryLogLoss(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s -= y[i] === 1 ? Math.log(Math.max(p[i], P_MIN)) : Math.log(Math.max(1 - p[i], P_MIN));
  return s / y.length;
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative, ties counted as one half (Mann-Whitney U with average ranks).
 */
export function auc(score: ArrayLike<number>, y: ArrayLike<number>): number {
  const idx = Array.from({ length: y.length }, (_, i) => i).sort((a, b) => score[a] - score[b] || a - b);
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && score[idx[j + 1]] === score[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[idx[k]] === 1) {
      rankSumPos += avgRank;
      pos++;
    }
    i = j + 1;
  }
  const neg = y.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

export function meanAbsError(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < target.length; i++) s += Math.abs(pred[i] - target[i]);
  return s / target.length;
}

export function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

/** Metrics are written with 6 decimals: enough to compare, short to read. */
export function round6(x: number): number {
  const r = Math.round(x * 1e6) / 1e6;
  return Object.is(r, -0) ? 0 : r;
}
