import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { declaredThresholds, manifestProblems, type ModelManifest } from '../../workers/models/bundle/manifest.ts';
import { keyHints } from '../../workers/models/bundle/key-hints.ts';

/** A manifest's calibrated thresholds: checked per role, and read as defaults. */

const alpha: ModelManifest = {
  format: 'tradeguard-model/1',
  role: 'alpha',
  name: 'a',
  version: '1',
  featureSpec: 'risk-obs-v1',
  input: { name: 'features', shape: ['N', 60] },
  scaler: null,
  outputs: { kind: 'classes', output: 'p', labels: ['short', 'flat', 'long'] },
  timeframe: 'H1',
  symbols: ['EURUSD'],
  training: { from: '2017-01-01', to: '2017-06-30' },
  metrics: {},
};
const guard: ModelManifest = { ...alpha, role: 'guard', outputs: { kind: 'allow-probability', output: 'allow' } };
const risk: ModelManifest = { ...alpha, role: 'risk', outputs: { kind: 'tensor', output: 'risk' } };

describe('manifest thresholds', () => {
  it('an alpha declares minConfidence, a guard guardThreshold, each a probability, with a basis in words', () => {
    expect(manifestProblems({ ...alpha, thresholds: { minConfidence: 0.4, basis: 'training period' } })).toEqual([]);
    expect(manifestProblems({ ...guard, thresholds: { guardThreshold: 0.41 } })).toEqual([]);
    expect(manifestProblems({ ...alpha, thresholds: { guardThreshold: 0.4 } })).toEqual(['thresholds.guardThreshold belongs to a guard model; a alpha model declares minConfidence']);
    expect(manifestProblems({ ...risk, thresholds: { minConfidence: 0.4 } })).toEqual(['thresholds.minConfidence belongs to an alpha model; a risk model declares none']);
    expect(manifestProblems({ ...guard, thresholds: { guardThreshold: 1.5 } })).toEqual(['thresholds.guardThreshold must be a probability in [0, 1] (got 1.5)']);
    expect(manifestProblems({ ...guard, thresholds: { guardThreshold: '0.4' } })).toEqual(['thresholds.guardThreshold must be a probability in [0, 1] (got "0.4")']);
    expect(manifestProblems({ ...alpha, thresholds: { minConfidence: 0.4, basis: ' ' } })).toEqual(['thresholds.basis must say in words how the thresholds were chosen']);
    expect(manifestProblems({ ...alpha, thresholds: [0.4] })[0]).toMatch(/^thresholds must be an object/);
    expect(manifestProblems({ ...alpha, thresholds: { stop: 2 } })).toEqual(['thresholds.stop is not a threshold the chain reads (minConfidence for an alpha, guardThreshold for a guard)']);
  });

  it('a snake_case key gets its camelCase name', () => {
    expect(keyHints({ thresholds: { min_confidence: 0.4 } })).toEqual(['thresholds.min_confidence: did you mean minConfidence? (manifest keys are camelCase)']);
  });

  it('declaredThresholds reads the alpha\'s and the guard\'s, and nothing from a bundle without them', () => {
    expect(declaredThresholds({ alpha: { thresholds: { minConfidence: 0.45 } }, guard: { thresholds: { guardThreshold: 0.38 } } })).toEqual({ minConfidence: 0.45, guardThreshold: 0.38 });
    expect(declaredThresholds({ alpha: alpha, guard: null })).toEqual({});
    expect(declaredThresholds({})).toEqual({});
  });

  it('the demo bundles carry the thresholds the demo agent trades with (0.4 and 0.41), the risk bundle none', () => {
    const read = (role: string) => JSON.parse(readFileSync(`public/models/demo/${role}/manifest.json`, 'utf8')) as ModelManifest;
    expect(declaredThresholds({ alpha: read('alpha'), guard: read('guard') })).toEqual({ minConfidence: 0.4, guardThreshold: 0.41 });
    expect(read('risk').thresholds).toBeUndefined();
    for (const role of ['alpha', 'guard']) expect(read(role).thresholds?.basis).toMatch(/^training period: /);
  });
});
