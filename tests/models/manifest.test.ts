import { describe, expect, it } from 'vitest';
import { manifestProblems, declaredOutputs, type ModelManifest } from '../../workers/models/bundle/manifest.ts';

const good: ModelManifest = {
  format: 'tradeguard-model/1',
  role: 'alpha',
  name: 'demo-alpha',
  version: '1.0.0',
  featureSpec: 'risk-obs-v1',
  input: { name: 'features', shape: ['N', 60] },
  scaler: { mean: new Array(60).fill(0), std: new Array(60).fill(1) },
  outputs: { kind: 'classes', output: 'probabilities', labels: ['short', 'flat', 'long'] },
  timeframe: 'H1',
  symbols: ['EURUSD'],
  training: { from: '2017-04-19', to: '2017-10-31', testFrom: '2017-11-01', testTo: '2017-12-31' },
  metrics: { accuracy: 0.41 },
};

const bad = (patch: Record<string, unknown>) => manifestProblems({ ...good, ...patch });

describe('model manifest', () => {
  it('accepts a sound manifest for each role', () => {
    expect(manifestProblems(good)).toEqual([]);
    expect(bad({ role: 'risk', outputs: { kind: 'tensor', output: 'heads' } })).toEqual([]);
    expect(bad({ role: 'risk', outputs: { kind: 'heads', slMult: 'sl', tpMult: 'tp', size: 'size' }, scaler: null })).toEqual([]);
    expect(bad({ role: 'guard', outputs: { kind: 'allow-probability', output: 'p', column: 1 } })).toEqual([]);
    expect(bad({ outputs: { kind: 'score', output: 'score' } })).toEqual([]);
    expect(declaredOutputs({ ...good, role: 'risk', outputs: { kind: 'heads', slMult: 'a', tpMult: 'b', size: 'c' } })).toEqual(['a', 'b', 'c']);
  });

  it.each([
    [{ role: 'oracle' }, /role must be one of alpha, risk, guard \(got "oracle"\)/],
    [{ featureSpec: 'risk-obs-v9' }, /featureSpec "risk-obs-v9" is not a known feature spec \(known: risk-obs-v1\)/],
    [{ input: { name: 'features', shape: ['N', 59] } }, /input.shape says 59 features but risk-obs-v1 has 60/],
    [{ input: { name: '', shape: ['N', 60] } }, /input.name must name/],
    [{ scaler: { mean: [0, 0], std: [1, 1] } }, /scaler has 2 means and 2 standard deviations; risk-obs-v1 has 60 features/],
    [{ scaler: { mean: [...new Array(59).fill(0), NaN], std: new Array(60).fill(1) } }, /scaler.mean\[59\] is not a finite number \(feature /],
    [{ scaler: { mean: new Array(60).fill(0), std: [0, ...new Array(59).fill(1)] } }, /scaler.std\[0\] must be a finite number > 0/],
    [{ outputs: { kind: 'classes', output: 'p', labels: ['up', 'down'] } }, /outputs.labels must list at least two of short, flat, long/],
    [{ role: 'risk' }, /a risk model's outputs.kind must be heads .* or tensor/],
    [{ role: 'guard', outputs: { kind: 'allow-probability', output: 'p', column: -1 } }, /outputs.column must be a column index >= 0/],
    [{ timeframe: 'H2' }, /timeframe must be one of/],
    [{ symbols: [] }, /symbols must list/],
    [{ training: { from: 'yesterday', to: '2018-01-01' } }, /training must give from and to as ISO dates/],
    [{ metrics: { sharpe: 'high' } }, /metrics must map names to measured numbers/],
    [{ format: 'onnx' }, /format must be "tradeguard-model\/1"/],
    [{ name: 'a@b' }, /name must be a non-empty string of letters, digits/],
    [{ outputs: { kind: 'classes', output: 'p', labels: ['long', 'long'] } }, /each once/],
    [{ training: { from: '2017-01-01', to: '2017-12-31', testFrom: '2016-03-01' } }, /testFrom must be an ISO date, not before training.from/],
    [{ training: { from: '2017-01-01', to: '2017-09-30', testFrom: '2017-10-01', testTo: '2017-08-01' } }, /testTo must be an ISO date, not before training.testFrom/],
    [{ training: { from: '2017-01-01', to: '2017-09-30', testTo: '2017-12-31' } }, /testTo .*give both/],
    [{ metrics: [0.5] }, /metrics must map names/],
  ])('names the problem: %o', (patch, msg) => {
    const p = bad(patch);
    expect(p.length).toBeGreaterThan(0);
    expect(p.join('\n')).toMatch(msg);
  });

  it('refuses what is not an object', () => {
    expect(manifestProblems([])).toEqual(['manifest.json must hold a JSON object']);
    expect(manifestProblems('x')).toEqual(['manifest.json must hold a JSON object']);
  });
});
