import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { manifestProblems, type ModelManifest } from '../../workers/models/bundle/manifest.ts';

/** training.labels and training.distribution: optional, and every problem with them named. */

const demo = JSON.parse(readFileSync(new URL('../../public/models/demo/guard/manifest.json', import.meta.url), 'utf8')) as ModelManifest;
const withTraining = (t: Record<string, unknown>) => ({ ...demo, training: { ...demo.training, ...t } });

describe('manifest: training.labels and training.distribution', () => {
  it('are sound in the demo bundles and optional', () => {
    expect(manifestProblems(demo)).toEqual([]);
    expect(manifestProblems(withTraining({ labels: undefined, distribution: undefined }))).toEqual([]);
    // Every feature of the spec has bins in the demo guard.
    expect(Object.keys(demo.training.distribution!)).toHaveLength(60);
  });

  it('name what is wrong', () => {
    expect(manifestProblems(withTraining({ labels: { method: 'fixed-horizon', target: 'up', stopAtr: 0, targetAtr: 3, horizonBars: 2.5, atrPeriod: 14, sl: 1 } }))).toEqual([
      'training.labels.sl is not a labelling field (known: method, target, stopAtr, targetAtr, horizonBars, atrPeriod, costs)',
      'training.labels.method must be "triple-barrier" (got "fixed-horizon")',
      'training.labels.target must be "class" (long/flat/short) or "side-wins" (the proposed side ends with net P&L > 0) (got "up")',
      'training.labels.stopAtr must be a number > 0 (ATRs)',
      'training.labels.horizonBars must be a whole number >= 1',
    ]);
    expect(manifestProblems(withTraining({ distribution: { not_a_feature: { edges: [0], shares: [0, 1, 0] }, logret_1: { edges: [2, 1], shares: [0, 1, 0, 0] } } }))).toEqual([
      'training.distribution names "not_a_feature", which is not a feature of the spec',
      'training.distribution.logret_1.edges must be strictly increasing',
    ]);
  });
});
