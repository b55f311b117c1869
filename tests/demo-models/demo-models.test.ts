import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestProblems, type ModelManifest } from '../../workers/models/bundle/manifest.ts';
import { validateBundle } from '../../workers/models/bundle/validate.ts';
import { readModel } from '../../workers/models/onnx/codec.ts';
import type { OnnxModel } from '../../workers/models/onnx/model.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { InferenceSession } from '../../workers/models/inference/session.ts';
import { scaleRows } from '../../workers/models/chain/scaler.ts';
import { buildFeatureMatrix, getFeatureSpec } from '../../workers/features/spec/index.ts';
import { tripleBarrierLabels, EXIT_NONE } from '../../workers/models/labels/triple-barrier.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT, DEMO_HELD_OUT_FROM } from '../../workers/engine/demo.ts';
import { bundled } from '../helpers/bundled.ts';

/**
 * The committed demo bundles (public/models/demo): sound manifests, loadable by the app's runtime,
 * outputs equal to a plain TypeScript forward pass of their weights, metrics equal to a
 * recomputation on the held-out rows, and rebuilt byte for byte by `npm run models:build`.
 * The held-out rows, labels and metrics are rebuilt here from the manifests and the library
 * functions, not from models/build's own code.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEMO = join(ROOT, 'public/models/demo');
const ROLES = ['alpha', 'risk', 'guard'] as const;
type Role = (typeof ROLES)[number];
const H = 24;

const read = (role: Role) => ({
  onnx: new Uint8Array(readFileSync(join(DEMO, role, 'model.onnx'))),
  manifestText: readFileSync(join(DEMO, role, 'manifest.json'), 'utf8'),
});
const bundles = Object.fromEntries(ROLES.map((r) => [r, read(r)])) as Record<Role, ReturnType<typeof read>>;
const manifests = Object.fromEntries(ROLES.map((r) => [r, JSON.parse(bundles[r].manifestText) as ModelManifest])) as Record<Role, ModelManifest>;

// ---- the data, rebuilt from the manifests' dates ----
const series = bundled('EURUSD');
const n = series.time.length;
const spec = getFeatureSpec('risk-obs-v1');
const W = spec.features.length;
const features = (d: number) => buildFeatureMatrix(spec, series, { direction: new Float64Array(n).fill(d) }).values;
const X = { 0: features(0), 1: features(1), [-1]: features(-1) } as Record<number, Float64Array>;
const labels = tripleBarrierLabels(series, { stopAtr: 2, targetAtr: 3, horizonBars: H, atrPeriod: 14, costs: DEMO_ACCOUNT.costs, instrument: KNOWN_INSTRUMENTS.EURUSD });
const labeled = (i: number) => i >= spec.warmup && labels.long.reason[i] !== EXIT_NONE;
const barAt = (iso: string) => series.time.indexOf(Date.parse(iso));
const iso = (i: number) => new Date(series.time[i]).toISOString();

const { training } = manifests.alpha;
const within = (i: number, from: string, to: string) => series.time[i] >= Date.parse(from) && series.time[i] <= Date.parse(to);
const testStart = barAt(training.testFrom!);
const trainBars: number[] = [];
const testBars: number[] = [];
for (let i = 0; i < n; i++) {
  if (!labeled(i)) continue;
  if (within(i, training.from, training.to)) trainBars.push(i);
  if (within(i, training.testFrom!, training.testTo!)) testBars.push(i);
}

function rowsOf(bars: number[], sides: number[]): Float64Array {
  const out = new Float64Array(bars.length * sides.length * W);
  let r = 0;
  for (const b of bars) for (const s of sides) out.set(X[s].subarray(b * W, (b + 1) * W), W * r++);
  return out;
}

// ---- a plain TypeScript forward pass over the decoded graph (float64) ----
function forward(model: OnnxModel, x: Float32Array, rows: number): Float64Array {
  const vals = new Map<string, { data: Float64Array; dims: number[] }>();
  for (const t of model.graph.initializers) vals.set(t.name, { data: Float64Array.from(t.values as Float32Array), dims: t.dims });
  vals.set(model.graph.inputs[0].name, { data: Float64Array.from(x), dims: [rows, W] });
  for (const node of model.graph.nodes) {
    const [a, b, c] = node.inputs.map((i) => vals.get(i)!);
    let out: { data: Float64Array; dims: number[] };
    switch (node.opType) {
      case 'Gemm': {
        expect(node.attributes).toEqual([{ name: 'transB', kind: 'int', value: 1 }]);
        const [N, K] = a.dims;
        const M = b.dims[0];
        const d = new Float64Array(N * M);
        for (let r = 0; r < N; r++) for (let o = 0; o < M; o++) {
          let s = c.data[o];
          for (let k = 0; k < K; k++) s += a.data[r * K + k] * b.data[o * K + k];
          d[r * M + o] = s;
        }
        out = { data: d, dims: [N, M] };
        break;
      }
      case 'Relu': out = { data: a.data.map((v) => Math.max(0, v)), dims: a.dims }; break;
      case 'Sigmoid': out = { data: a.data.map((v) => 1 / (1 + Math.exp(-v))), dims: a.dims }; break;
      case 'Softmax': {
        const C = a.dims[1];
        const d = new Float64Array(a.data.length);
        for (let r = 0; r < a.dims[0]; r++) {
          const row = Array.from(a.data.subarray(r * C, (r + 1) * C));
          const m = Math.max(...row);
          const e = row.map((v) => Math.exp(v - m));
          const s = e.reduce((p, q) => p + q, 0);
          e.forEach((v, k) => (d[r * C + k] = v / s));
        }
        out = { data: d, dims: a.dims };
        break;
      }
      case 'Mul':
      case 'Add': {
        // [N, C] with a [C] constant, broadcast over rows.
        const C = b.data.length;
        out = { data: a.data.map((v, i) => (node.opType === 'Mul' ? v * b.data[i % C] : v + b.data[i % C])), dims: a.dims };
        break;
      }
      default:
        throw new Error(`unexpected op ${node.opType}`);
    }
    vals.set(node.outputs[0], out);
  }
  return vals.get(model.graph.outputs[0].name)!.data;
}

// ---- metrics, written out plainly ----
const avg = (v: number[]) => v.reduce((p, q) => p + q, 0) / v.length;
const mae = (p: number[], t: number[]) => avg(p.map((v, i) => Math.abs(v - t[i])));
const ll = (p: number[], y: number[]) => -avg(y.map((v, i) => Math.log(v === 1 ? p[i] : 1 - p[i])));
function pairwiseAuc(s: number[], y: number[]): number {
  const pos = s.filter((_, i) => y[i] === 1);
  const neg = s.filter((_, i) => y[i] === 0);
  let wins = 0;
  for (const a of pos) for (const b of neg) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}
function excursion(side: 1 | -1, i: number): { sl: number; tp: number } {
  const entry = (side === 1 ? labels.long : labels.short).entryPrice[i];
  let hi = -Infinity;
  let lo = Infinity;
  for (let j = i + 1; j <= i + H; j++) {
    hi = Math.max(hi, series.high[j]);
    lo = Math.min(lo, series.low[j]);
  }
  const adv = (side === 1 ? entry - lo : hi - entry) / labels.atr[i];
  const fav = (side === 1 ? hi - entry : entry - lo) / labels.atr[i];
  return { sl: Math.min(5, Math.max(0.5, adv)), tp: Math.min(10, Math.max(0.5, fav)) };
}
const win = (side: 1 | -1, i: number) => ((side === 1 ? labels.long : labels.short).netCents[i] > 0 ? 1 : 0);

function expectMetrics(role: Role, got: Record<string, number>): void {
  const m = manifests[role].metrics;
  expect(Object.keys(got).sort()).toEqual(Object.keys(m).sort());
  for (const [k, v] of Object.entries(got)) {
    if (!(Math.abs(v - m[k]) <= 5e-6)) throw new Error(`${role} metric ${k}: manifest ${m[k]}, recomputed ${v}`);
  }
}

/** The scaled held-out rows a role's model reads (alpha: no proposed side; risk and guard: both sides). */
function heldOutInputs(role: Role): { x: Float32Array; rows: number } {
  const raw = rowsOf(testBars, role === 'alpha' ? [0] : [1, -1]);
  return { x: scaleRows(raw, W, manifests[role].scaler, new Float32Array(raw.length)), rows: raw.length / W };
}

const sessions: Partial<Record<Role, InferenceSession>> = {};
const ortOut: Partial<Record<Role, Float32Array>> = {};
beforeAll(async () => {
  for (const role of ROLES) {
    const m = manifests[role];
    const { x, rows } = heldOutInputs(role);
    const s = await createOrtSession(bundles[role].onnx, { label: role });
    sessions[role] = s;
    const out = await s.run({ [m.input.name]: { data: x, dims: [rows, W] } });
    const t = out[(m.outputs as { output: string }).output];
    expect(t.dims[0]).toBe(rows);
    ortOut[role] = t.data as Float32Array;
  }
});
afterAll(async () => {
  for (const s of Object.values(sessions)) await s!.release();
});

describe('demo model bundles (public/models/demo)', () => {
  it('have sound manifests that validate against their ONNX graphs and load in onnxruntime-web', async () => {
    for (const role of ROLES) {
      const m = manifests[role];
      expect(manifestProblems(m)).toEqual([]);
      expect(m).toMatchObject({ role, name: `demo-${role}`, version: '1.1.0', featureSpec: 'risk-obs-v1', input: { name: 'features', shape: ['N', 60] }, timeframe: 'H1', symbols: ['EURUSD'], producer: 'tradeguard models/build (TypeScript)' });
      const report = await validateBundle(bundles[role].onnx, bundles[role].manifestText);
      expect(report.problems).toEqual([]);
    }
    expect(manifests.alpha.outputs).toEqual({ kind: 'classes', output: 'probabilities', labels: ['short', 'flat', 'long'] });
    expect(manifests.risk.outputs).toEqual({ kind: 'tensor', output: 'risk' });
    expect(manifests.guard.outputs).toEqual({ kind: 'allow-probability', output: 'allow' });
  });

  it('split the data in time with a gap: training labels end before the held-out period starts', () => {
    // The same windows for every role (samples, the label target and the feature distribution are per role: alpha rows, or proposal rows).
    const windowOf = (t: ModelManifest['training']) => ({ from: t.from, to: t.to, testFrom: t.testFrom, testTo: t.testTo });
    for (const role of ROLES) expect(windowOf(manifests[role].training)).toEqual(windowOf(training));
    // The manifests' windows are decision-bar times: the first and last training bar, the first and last held-out bar.
    expect(training.from).toBe(iso(trainBars[0]));
    expect(training.to).toBe(iso(trainBars[trainBars.length - 1]));
    expect(training.testFrom).toBe(iso(testBars[0]));
    expect(training.testTo).toBe(iso(testBars[testBars.length - 1]));
    // Every labeled bar from the split on is held out, through the last one the file can label.
    expect(testBars.length).toBe(series.time.filter((t, i) => t >= DEMO_HELD_OUT_FROM && labeled(i)).length);
    // The held-out window starts where the demo replay starts.
    expect(training.testFrom).toBe(new Date(DEMO_HELD_OUT_FROM).toISOString());
    expect(testStart).toBeGreaterThan(0);
    const lastTrain = trainBars[trainBars.length - 1];
    // The last training label's horizon exit (bar i + H + 1) precedes the first held-out decision.
    expect(lastTrain + H + 1).toBeLessThan(testStart);
    expect(testStart - lastTrain).toBe(H + 2);
    expect(manifests.alpha.training.samples).toBe(trainBars.length);
    expect(manifests.risk.training.samples).toBe(2 * trainBars.length);
    expect(manifests.guard.training.samples).toBe(2 * trainBars.length);
    expect(manifests.alpha.metrics.test_samples).toBe(testBars.length);
    // About 70 / 30 of the usable bars.
    expect(testBars.length / (trainBars.length + H + 1 + testBars.length)).toBeCloseTo(0.3, 2);
  });

  it('give in onnxruntime-web what a plain TypeScript forward pass of their weights gives, on real held-out rows', () => {
    for (const role of ROLES) {
      const { x, rows } = heldOutInputs(role);
      const ref = forward(readModel(bundles[role].onnx), x, rows);
      const got = ortOut[role]!;
      expect(got.length).toBe(ref.length);
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('report the metrics a recomputation on the held-out rows gives (alpha)', () => {
    const p = ortOut.alpha!;
    const y = testBars.map((i) => labels.label[i] + 1);
    const trainY = trainBars.map((i) => labels.label[i] + 1);
    const freq = (v: number[], c: number) => v.filter((k) => k === c).length / v.length;
    const trainFreq = [0, 1, 2].map((c) => freq(trainY, c));
    const testFreq = [0, 1, 2].map((c) => freq(y, c));
    const row = (r: number) => [p[3 * r], p[3 * r + 1], p[3 * r + 2]];
    const pred = y.map((_, r) => row(r).indexOf(Math.max(...row(r))));
    const got: Record<string, number> = {
      test_samples: y.length,
      accuracy: avg(pred.map((c, r) => (c === y[r] ? 1 : 0))),
      baseline_accuracy_train_majority: testFreq[trainFreq.indexOf(Math.max(...trainFreq))],
      test_majority_rate: Math.max(...testFreq),
      log_loss: -avg(y.map((c, r) => Math.log(p[3 * r + c]))),
      baseline_log_loss_train_freq: -avg(y.map((c) => Math.log(trainFreq[c]))),
    };
    const confident = pred.map((c, r) => r).filter((r) => p[3 * r + pred[r]] >= 0.5);
    got.confident_share_at_0_5 = confident.length / y.length;
    if (confident.length) got.accuracy_confident_at_0_5 = avg(confident.map((r) => (pred[r] === y[r] ? 1 : 0)));
    ['short', 'flat', 'long'].forEach((name, c) => {
      const mine = pred.map((k, r) => r).filter((r) => pred[r] === c);
      got[`test_rate_${name}`] = testFreq[c];
      got[`predicted_share_${name}`] = mine.length / y.length;
      if (mine.length) got[`precision_${name}`] = avg(mine.map((r) => (y[r] === c ? 1 : 0)));
    });
    expectMetrics('alpha', got);
  });

  it('report the metrics a recomputation on the held-out rows gives (risk and guard)', () => {
    const sides: (1 | -1)[] = [1, -1];
    const rowsFor = (bars: number[]) => bars.flatMap((i) => sides.map((s) => ({ i, s })));
    const test = rowsFor(testBars);
    const train = rowsFor(trainBars);
    const yWin = test.map(({ i, s }) => win(s, i));
    const trainWin = avg(train.map(({ i, s }) => win(s, i)));
    const exc = test.map(({ i, s }) => excursion(s, i));
    const trainExc = train.map(({ i, s }) => excursion(s, i));

    const r = ortOut.risk!;
    const head = (h: number) => test.map((_, k) => r[3 * k + h]);
    const [sl, tp, size] = [head(0), head(1), head(2)];
    for (let k = 0; k < test.length; k++) {
      expect(sl[k]).toBeGreaterThanOrEqual(0.5);
      expect(sl[k]).toBeLessThanOrEqual(5);
      expect(tp[k]).toBeGreaterThanOrEqual(0.5);
      expect(tp[k]).toBeLessThanOrEqual(10);
      expect(size[k]).toBeGreaterThanOrEqual(0);
      expect(size[k]).toBeLessThanOrEqual(1);
    }
    const slT = exc.map((e) => e.sl);
    const tpT = exc.map((e) => e.tp);
    expectMetrics('risk', {
      test_samples: test.length,
      mae_sl_mult: mae(sl, slT),
      baseline_mae_sl_mult_train_mean: mae(slT.map(() => avg(trainExc.map((e) => e.sl))), slT),
      mae_tp_mult: mae(tp, tpT),
      baseline_mae_tp_mult_train_mean: mae(tpT.map(() => avg(trainExc.map((e) => e.tp))), tpT),
      mae_size: mae(size, yWin),
      baseline_mae_size_train_rate: mae(yWin.map(() => trainWin), yWin),
      auc_size: pairwiseAuc(size, yWin),
      mean_sl_mult: avg(sl),
      mean_tp_mult: avg(tp),
      mean_size: avg(size),
    });

    const g = Array.from(ortOut.guard!);
    const got: Record<string, number> = {
      test_samples: test.length,
      auc: pairwiseAuc(g, yWin),
      base_rate: avg(yWin),
      train_base_rate: trainWin,
      log_loss: ll(g, yWin),
      baseline_log_loss_train_rate: ll(yWin.map(() => trainWin), yWin),
    };
    const declared = Math.round(trainWin * 100) / 100;
    for (const [tag, th] of [['0_5', 0.5], ['train_base_rate', trainWin], [String(declared).replace('.', '_'), declared]] as const) {
      const allowed = yWin.filter((_, k) => g[k] >= th);
      got[`allowed_share_at_${tag}`] = allowed.length / test.length;
      if (allowed.length) got[`win_rate_allowed_at_${tag}`] = avg(allowed);
    }
    expectMetrics('guard', got);
  });

  it('are rebuilt byte for byte by `npm run models:build -- <dir>`', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-demo-models-'));
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'models/build/build-demo-models.ts', dir], { cwd: ROOT, stdio: 'pipe' });
      for (const role of ROLES) {
        for (const f of ['model.onnx', 'manifest.json']) {
          const rebuilt = readFileSync(join(dir, role, f));
          const committed = readFileSync(join(DEMO, role, f));
          expect(rebuilt.equals(committed), `${role}/${f} differs from the committed bundle`).toBe(true);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
