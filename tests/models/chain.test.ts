import { describe, expect, it } from 'vitest';
import { buildMlp } from '../../workers/models/onnx/builder.ts';
import { encodeModel } from '../../workers/models/onnx/codec.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import { buildFeatureMatrix, getFeatureSpec } from '../../workers/features/spec/index.ts';
import { scaleRows } from '../../workers/models/chain/scaler.ts';
import { ModelOutputError, readAlpha, readGuard, readRisk, type FloatTensor } from '../../workers/models/chain/read-outputs.ts';
import { boundRisk, chainVerdict, DEFAULT_CHAIN } from '../../workers/models/chain/chain-policy.ts';
import { seededRandom } from '../../bench/lib.ts';
import { bundled } from '../helpers/bundled.ts';

const t = (rows: number[][]): FloatTensor => ({ data: Float32Array.from(rows.flat()), dims: [rows.length, rows[0].length] });

describe('reading model outputs', () => {
  it('reads class probabilities, sums classes that share a direction, and takes logits through softmax', () => {
    const a = readAlpha({ kind: 'classes', output: 'p', labels: ['short', 'flat', 'long'] }, t([[0.2, 0.1, 0.7], [0.5, 0.3, 0.2]]), 0);
    expect(a).toEqual({ direction: 1, confidence: expect.closeTo(0.7, 6), probabilities: { short: expect.closeTo(0.2, 6), flat: expect.closeTo(0.1, 6), long: expect.closeTo(0.7, 6) } });
    const sb3 = readAlpha({ kind: 'actions', output: 'logits', actions: ['flat', 'long', 'short'] }, t([[0, Math.log(3), 0]]), 0);
    expect(sb3.direction).toBe(1);
    expect(sb3.confidence).toBeCloseTo(0.6, 6);
    expect(readAlpha({ kind: 'score', output: 's' }, t([[-0.4]]), 0)).toEqual({ direction: -1, confidence: expect.closeTo(0.4, 6), probabilities: {} });
  });

  it('reads risk heads from one [N, 3] tensor or three outputs, and a guard column', () => {
    expect(readRisk({ kind: 'tensor', output: 'r' }, { r: t([[1, 2, 3], [1.5, 3, 0.5]]) }, 1)).toEqual({ slMult: 1.5, tpMult: 3, size: 0.5 });
    expect(readRisk({ kind: 'heads', slMult: 'a', tpMult: 'b', size: 'c' }, { a: t([[2]]), b: t([[4]]), c: t([[0.25]]) }, 0)).toEqual({ slMult: 2, tpMult: 4, size: 0.25 });
    expect(readGuard({ kind: 'allow-probability', output: 'g', column: 1 }, t([[0.25, 0.75]]), 0)).toBe(0.75);
  });

  it('refuses NaN and out-of-range outputs, naming the head and row', () => {
    expect(() => readAlpha({ kind: 'score', output: 's' }, t([[NaN]]), 0)).toThrow(/alpha s row 0 is NaN/);
    expect(() => readAlpha({ kind: 'score', output: 's' }, t([[1.5]]), 0)).toThrow(/outside \[-1, 1\]/);
    expect(() => readRisk({ kind: 'tensor', output: 'r' }, { r: t([[1, NaN, 1]]) }, 0)).toThrow(ModelOutputError);
    expect(() => readRisk({ kind: 'heads', slMult: 'a', tpMult: 'b', size: 'c' }, { a: t([[1]]) }, 0)).toThrow(/risk output b missing/);
    expect(() => readGuard({ kind: 'allow-probability', output: 'g' }, t([[1.2]]), 0)).toThrow(/not a probability/);
    expect(() => readAlpha({ kind: 'classes', output: 'p', labels: ['short', 'long'] }, t([[0.2, 0.3, 0.5]]), 0)).toThrow(/3 columns, the manifest names 2/);
  });
});

describe('chain verdict', () => {
  const alpha = { direction: 1 as const, confidence: 0.8, probabilities: {} };
  it('trades when alpha is sure, risk is in bounds and the guard allows', () => {
    expect(chainVerdict(DEFAULT_CHAIN, alpha, { slMult: 2, tpMult: 3, size: 0.5 }, 0.9)).toEqual({ kind: 'trade', direction: 1, risk: { slMult: 2, tpMult: 3, size: 0.5 }, notes: [] });
    expect(chainVerdict(DEFAULT_CHAIN, alpha, null, null)).toEqual({ kind: 'trade', direction: 1, risk: null, notes: [] }); // alpha only
  });
  it('says why it does not trade, with the numbers', () => {
    expect(chainVerdict(DEFAULT_CHAIN, { ...alpha, confidence: 0.41 }, null, null)).toEqual({ kind: 'no-trade', reason: 'alpha confidence 0.41 below the minimum 0.5' });
    expect(chainVerdict(DEFAULT_CHAIN, alpha, null, 0.32)).toEqual({ kind: 'blocked', reason: 'blocked by TradeGuard: allow probability 0.32 < threshold 0.5' });
    expect(chainVerdict(DEFAULT_CHAIN, { ...alpha, direction: 0 }, null, null).kind).toBe('no-trade');
  });
  it('clamps risk heads to their bounds and says so', () => {
    expect(boundRisk({ slMult: 7.2, tpMult: 3, size: 1.3 }, DEFAULT_CHAIN.bounds)).toEqual({ risk: { slMult: 5, tpMult: 3, size: 1 }, clamped: ['sl_mult 7.20 clamped to 5', 'size 1.30 clamped to 1'] });
    const v = chainVerdict(DEFAULT_CHAIN, alpha, { slMult: 0.1, tpMult: 3, size: 0.5 }, null);
    expect(v).toEqual({ kind: 'trade', direction: 1, risk: { slMult: 0.5, tpMult: 3, size: 0.5 }, notes: ['sl_mult 0.10 clamped to 0.5'] });
  });
});

describe('features -> scaler -> an ONNX alpha in onnxruntime-web', () => {
  it('gives, for every real EURUSD bar, the direction of a hand-written forward pass', async () => {
    const spec = getFeatureSpec('risk-obs-v1');
    const m = buildFeatureMatrix(spec, bundled('EURUSD'));
    const from = spec.warmup;
    const rows = m.values.subarray(from * 60, m.rows * 60);
    const n = rows.length / 60;
    // Scaler from the data itself, as a trainer would compute it.
    const mean = new Array(60).fill(0);
    const std = new Array(60).fill(0);
    for (let r = 0; r < n; r++) for (let k = 0; k < 60; k++) mean[k] += rows[r * 60 + k] / n;
    for (let r = 0; r < n; r++) for (let k = 0; k < 60; k++) std[k] += (rows[r * 60 + k] - mean[k]) ** 2 / n;
    for (let k = 0; k < 60; k++) std[k] = Math.sqrt(std[k]) || 1;
    const rnd = seededRandom(7);
    const w = Array.from({ length: 3 }, () => Array.from({ length: 60 }, () => (rnd() - 0.5) * 0.4));
    const b = [0.1, 0, -0.1];
    const session = await createOrtSession(encodeModel(buildMlp({ name: 'alpha', layers: [{ weights: w, bias: b }], head: 'softmax' })));
    const x = scaleRows(rows, 60, { mean, std }, new Float32Array(rows.length));
    const out = await session.run({ features: { data: x, dims: [n, 60] } });
    const probs = out.probabilities as FloatTensor;
    let agree = 0;
    for (let r = 0; r < n; r++) {
      const a = readAlpha({ kind: 'classes', output: 'probabilities', labels: ['short', 'flat', 'long'] }, probs, r);
      const logits = w.map((wk, c) => wk.reduce((s, v, k) => s + v * Math.fround((rows[r * 60 + k] - mean[k]) / std[k]), b[c]));
      const best = logits.indexOf(Math.max(...logits));
      const sorted = [...logits].sort((p, q) => q - p);
      if (sorted[0] - sorted[1] < 1e-4) continue; // a near tie may flip in float32
      expect(a.direction).toBe([-1, 0, 1][best]);
      agree++;
    }
    expect(agree).toBeGreaterThan(n * 0.99);
    await session.release();
  });
});
