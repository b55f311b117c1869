/**
 * Population stability index of live values against a training distribution, both as
 * proportions per bin (the bins of workers/models/bundle/feature-distribution.ts):
 *
 *   PSI = Σ (live_i − train_i) · ln(live_i / train_i)
 *
 * with each proportion floored at PSI_FLOOR first, so an empty bin on either side gives a
 * large finite term rather than infinity (a live value outside the training range, or a
 * training bin live never reaches). Conventional reading: below 0.1 stable, 0.1 to 0.25 worth
 * watching, above 0.25 shifted.
 */
export const PSI_FLOOR = 1e-4;

export function psi(trainShares: readonly number[], liveCounts: ArrayLike<number>): number | null {
  if (trainShares.length !== liveCounts.length) throw new Error(`psi: ${trainShares.length} training bins but ${liveCounts.length} live counts`);
  let total = 0;
  for (let i = 0; i < liveCounts.length; i++) total += liveCounts[i];
  if (total === 0) return null;
  let s = 0;
  for (let i = 0; i < trainShares.length; i++) {
    const e = Math.max(trainShares[i], PSI_FLOOR);
    const a = Math.max(liveCounts[i] / total, PSI_FLOOR);
    s += (a - e) * Math.log(a / e);
  }
  return s;
}
