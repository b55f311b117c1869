/**
 * Reliability of predicted probabilities: predictions put in RELIABILITY_BUCKETS equal-width
 * buckets of [0, 1] (the last one closed at 1), each with how many fell in it, their mean
 * predicted probability and the realised frequency of the event. The summary is the expected
 * calibration error:
 *
 *   ECE = Σ_b (n_b / N) · |mean predicted_b − realised frequency_b|
 *
 * (0 for a perfectly calibrated model; 0.1 means predictions are off by 10 points on average).
 */
export const RELIABILITY_BUCKETS = 10;

export interface ReliabilityBucket {
  /** Bucket bounds: from <= p < to (the last bucket includes 1). */
  from: number;
  to: number;
  count: number;
  /** Mean predicted probability in the bucket (null when empty). */
  meanPredicted: number | null;
  /** Share of the bucket's predictions whose event happened (null when empty). */
  realised: number | null;
}

/** The bucket of probability p. */
export function bucketOf(p: number): number {
  return Math.min(RELIABILITY_BUCKETS - 1, Math.max(0, Math.floor(p * RELIABILITY_BUCKETS)));
}

/** Counts per bucket (count, Σp, Σ outcomes) to the table and its ECE (null with no prediction). */
export function reliability(count: ArrayLike<number>, sumP: ArrayLike<number>, sumY: ArrayLike<number>): { buckets: ReliabilityBucket[]; ece: number | null; samples: number } {
  let n = 0;
  for (let b = 0; b < RELIABILITY_BUCKETS; b++) n += count[b];
  let ece = 0;
  const buckets: ReliabilityBucket[] = [];
  for (let b = 0; b < RELIABILITY_BUCKETS; b++) {
    const c = count[b];
    const meanPredicted = c > 0 ? sumP[b] / c : null;
    const realised = c > 0 ? sumY[b] / c : null;
    if (c > 0) ece += (c / n) * Math.abs(meanPredicted! - realised!);
    buckets.push({ from: b / RELIABILITY_BUCKETS, to: (b + 1) / RELIABILITY_BUCKETS, count: c, meanPredicted, realised });
  }
  return { buckets, ece: n > 0 ? ece : null, samples: n };
}
