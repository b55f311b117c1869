import { describe, expect, it } from 'vitest';
import { psi, PSI_FLOOR } from '../../workers/model-health/psi.ts';
import { bucketOf, reliability, RELIABILITY_BUCKETS } from '../../workers/model-health/calibration.ts';
import { binIndex, featureBins, featureBinsProblems } from '../../workers/models/bundle/feature-distribution.ts';

/** PSI, the reliability table and the training bins against small examples worked out by hand. */

describe('psi', () => {
  it('is Σ (live − train)·ln(live / train) over the bins', () => {
    // Live 3 of 4 in bin 1 and 1 in bin 2, training half and half:
    // (0.75 − 0.5)·ln(0.75 / 0.5) + (0.25 − 0.5)·ln(0.25 / 0.5) = 0.25·0.4054651 + 0.25·0.6931472 = 0.2746531.
    expect(psi([0, 0.5, 0.5, 0], [0, 3, 1, 0])).toBeCloseTo(0.2746531, 7);
    // Same proportions: 0.
    expect(psi([0.2, 0.3, 0.5], [2, 3, 5])).toBe(0);
  });

  it('floors empty bins at 1e-4: a live value where training had none gives a large finite PSI', () => {
    expect(PSI_FLOOR).toBe(1e-4);
    // Live [0, .5, 0, .5] against [0, .5, .5, 0]: bin 2 (1e-4 − 0.5)·ln(1e-4 / 0.5) and bin 3 (0.5 − 1e-4)·ln(0.5 / 1e-4),
    // each 0.4999·ln(5000) = 0.4999·8.5171932 = 4.2577449; total 8.5154898.
    expect(psi([0, 0.5, 0.5, 0], [0, 1, 0, 1])).toBeCloseTo(8.5154898, 6);
  });

  it('is null with no live sample, and refuses mismatched bins', () => {
    expect(psi([0.5, 0.5], [0, 0])).toBeNull();
    expect(() => psi([0.5, 0.5], [1, 1, 1])).toThrow('2 training bins but 3 live counts');
  });
});

describe('reliability table and expected calibration error', () => {
  it('buckets predictions by tenths and weighs each bucket\'s gap by its share', () => {
    const preds: [number, 0 | 1][] = [[0.15, 1], [0.18, 0], [0.62, 1], [0.68, 1], [0.65, 0], [1.0, 1]];
    const count = new Float64Array(RELIABILITY_BUCKETS);
    const sumP = new Float64Array(RELIABILITY_BUCKETS);
    const sumY = new Float64Array(RELIABILITY_BUCKETS);
    for (const [p, y] of preds) {
      const b = bucketOf(p);
      count[b]++;
      sumP[b] += p;
      sumY[b] += y;
    }
    const r = reliability(count, sumP, sumY);
    expect(r.samples).toBe(6);
    const filled = r.buckets.filter((b) => b.count > 0).map((b) => [b.from, b.to, b.count, +b.meanPredicted!.toFixed(6), +b.realised!.toFixed(6)]);
    // 0.1-0.2: mean 0.165, 1 of 2; 0.6-0.7: mean 0.65, 2 of 3; 0.9-1.0 (1 belongs to the last bucket): 1 of 1.
    expect(filled).toEqual([[0.1, 0.2, 2, 0.165, 0.5], [0.6, 0.7, 3, 0.65, 0.666667], [0.9, 1, 1, 1, 1]]);
    // ECE = 2/6·|0.165 − 0.5| + 3/6·|0.65 − 2/3| + 1/6·0 = 0.1116667 + 0.0083333 = 0.12.
    expect(r.ece).toBeCloseTo(0.12, 10);
    expect(r.buckets).toHaveLength(10);
  });

  it('has no ECE without predictions', () => {
    const z = new Float64Array(RELIABILITY_BUCKETS);
    expect(reliability(z, z, z).ece).toBeNull();
  });
});

describe('training bins (manifest training.distribution)', () => {
  it('cuts at the minimum, the deciles by nearest rank and the maximum', () => {
    // 1..20: q(g/10) = v[ceil(2g) − 1] = 2g.
    const b = featureBins(Array.from({ length: 20 }, (_, i) => i + 1))!;
    expect(b.edges).toEqual([1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    // below 1 | =1 | (1,2] | (2,4] ... (18,20] | above 20
    expect(b.shares).toEqual([0, 0.05, 0.05, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0]);
    expect(featureBinsProblems('f', b)).toEqual([]);
    expect([0.5, 1, 1.5, 2, 2.0001, 19, 20, 21, NaN].map((x) => binIndex(b.edges, x))).toEqual([0, 1, 2, 2, 3, 11, 11, 12, -1]);
  });

  it('gives a constant feature one bin, and a two-valued one two, with room on both sides', () => {
    const c = featureBins([0, 0, 0, NaN])!;
    expect(c).toEqual({ edges: [0], shares: [0, 1, 0] });
    expect([-1, 0, 2].map((x) => binIndex(c.edges, x))).toEqual([0, 1, 2]);
    const d = featureBins([-1, 1, 1, -1])!;
    expect(d).toEqual({ edges: [-1, 1], shares: [0, 0.5, 0.5, 0] });
    expect(featureBins([NaN])).toBeNull();
  });

  it('names what is wrong with stored bins', () => {
    expect(featureBinsProblems('atr', { edges: [1, 1], shares: [0, 1, 0, 0] })).toEqual(['training.distribution.atr.edges must be strictly increasing']);
    expect(featureBinsProblems('atr', { edges: [1, 2], shares: [0, 1, 0] })).toEqual(['training.distribution.atr.shares must have 4 entries for 2 edges (below the first edge, at it, one per interval between edges, above the last)']);
    expect(featureBinsProblems('atr', { edges: [1], shares: [0, 0.5, 0] })).toEqual(['training.distribution.atr.shares sum to 0.5, not 1']);
  });
});
