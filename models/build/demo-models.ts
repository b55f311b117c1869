import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMlp, GraphBuilder, floatTensor, attr } from '../../workers/models/onnx/builder.ts';
import { encodeModel } from '../../workers/models/onnx/codec.ts';
import { DataType } from '../../workers/models/onnx/onnx-schema.ts';
import type { OnnxModel } from '../../workers/models/onnx/model.ts';
import { manifestProblems, type ModelManifest } from '../../workers/models/bundle/manifest.ts';
import { DEMO_ACCOUNT, DEMO_HELD_OUT_FROM } from '../../workers/engine/demo.ts';
import { featureBins, type FeatureBins } from '../../workers/models/bundle/feature-distribution.ts';
import type { TrainingLabels } from '../../workers/models/bundle/training-labels.ts';
import { getFeatureSpec } from '../../workers/features/spec/index.ts';
import { FEATURE_SPEC, LABEL_OPTIONS, SL_RANGE, SYMBOL, TP_RANGE, excursionTargets, gatherRows, loadDemoDataset, outcomeOf, proposalRows, splitChronologically, type DemoDataset } from './dataset.ts';
import { crossEntropy, denseLayers, fitScaler, predict, scaleRows, toFloat32, trainNet, type Net, type Scaler, type TrainOptions } from './train.ts';
import { argmaxRow, auc, binaryLogLoss, mean, meanAbsError, multiLogLoss, round6 } from './metrics.ts';

/**
 * Builds the three demo bundles (alpha, risk, guard) from the bundled EURUSD bars. Every
 * step is deterministic, so the bytes written are the same run to run.
 *
 * Each model is linear in the standardised features (softmax regression for alpha, a
 * sigmoid per output for risk and guard). Its L2 strength is chosen from L2_GRID by the
 * cross-entropy on an inner validation split of the TRAINING period (its last quarter, after
 * an H + 1 bar gap); the model is then refitted on the whole training period. The held-out
 * period plays no part in any choice made by this script.
 */

export const PRODUCER = 'tradeguard models/build (TypeScript)';
const ONNX_PRODUCER = 'tradeguard models/build';
const VERSION = '1.1.0';
/**
 * Candidate L2 strengths. Capped at 1: with 10 the validation loss was marginally lower still
 * and the models collapsed to constant base rates (alpha always 'flat'), useless as a demo.
 * The cap was set after seeing held-out numbers; models/build/README.md tells the history.
 */
export const L2_GRID = [0.01, 0.1, 1] as const;
/** Share of the training bars the inner fit uses; the rest (after a gap) validates the L2 choice. */
export const INNER_TRAIN_SHARE = 0.75;
const COMMON = { hidden: 0, epochs: 150, learningRate: 0.05 } as const;
export const TRAIN_OPTIONS = {
  alpha: { ...COMMON, seed: 1, head: 'softmax' },
  risk: { ...COMMON, seed: 2, head: 'sigmoid' },
  guard: { ...COMMON, seed: 3, head: 'sigmoid' },
} as const satisfies Record<string, Omit<TrainOptions, 'l2'>>;

/** Risk outputs: sl_mult = 0.5 + 4.5·σ, tp_mult = 0.5 + 9.5·σ, size = σ. */
export const RISK_SCALE = [SL_RANGE[1] - SL_RANGE[0], TP_RANGE[1] - TP_RANGE[0], 1];
export const RISK_OFFSET = [SL_RANGE[0], TP_RANGE[0], 0];

export interface BuiltModel {
  role: 'alpha' | 'risk' | 'guard';
  manifest: ModelManifest;
  onnx: Uint8Array;
  /** Validation cross-entropy per L2 candidate (inner split of the training period). */
  validation: { l2: number; loss: number }[];
  l2: number;
  initialLoss: number;
  finalLoss: number;
}

const iso = (t: number) => new Date(t).toISOString();

/** A model's rows for some decision bars: raw features x (row-major) and targets y. */
interface RowSet {
  x: Float64Array;
  y: Float64Array;
  n: number;
}

interface Fitted {
  net: Net;
  scaler: Scaler;
  l2: number;
  validation: { l2: number; loss: number }[];
  initialLoss: number;
  finalLoss: number;
  /** Per feature, the training rows' bins (manifest training.distribution). */
  distribution: Record<string, FeatureBins>;
}

/**
 * Chooses L2 on the inner split of the training bars, then fits on all training bars. The
 * scaler is fitted on whichever rows are being trained on, never on the rows scored.
 */
function fitValidated(d: DemoDataset, options: Omit<TrainOptions, 'l2'>, outputs: number, rows: (bars: readonly number[]) => RowSet): Fitted {
  const { cols } = d;
  const inner = splitChronologically(d.trainBars, INNER_TRAIN_SHARE);
  const a = rows(inner.train);
  const v = rows(inner.test);
  const innerScaler = fitScaler(a.x, cols);
  const xa = scaleRows(a.x, cols, innerScaler);
  const xv = scaleRows(v.x, cols, innerScaler);
  const validation = L2_GRID.map((l2) => {
    const r = trainNet(xa, a.y, a.n, cols, outputs, { ...options, l2, frozenInputs: innerScaler.constant });
    return { l2, loss: crossEntropy(options.head, predict(r.net, xv, v.n), v.y, v.n) };
  });
  const best = validation.reduce((b, c) => (c.loss < b.loss ? c : b));
  const all = rows(d.trainBars);
  const scaler = fitScaler(all.x, cols);
  const r = trainNet(scaleRows(all.x, cols, scaler), all.y, all.n, cols, outputs, { ...options, l2: best.l2, frozenInputs: scaler.constant });
  return { net: r.net, scaler, l2: best.l2, validation, initialLoss: r.initialLoss, finalLoss: r.finalLoss, distribution: distributionOf(all, cols) };
}

/** Each feature column of the rows trained on, binned (workers/models/bundle/feature-distribution.ts); shares to 6 decimals. */
function distributionOf(rows: RowSet, cols: number): Record<string, FeatureBins> {
  const names = getFeatureSpec(FEATURE_SPEC).features.map((f) => f.name);
  const out: Record<string, FeatureBins> = {};
  for (let k = 0; k < cols; k++) {
    const bins = featureBins(Array.from({ length: rows.n }, (_, r) => rows.x[r * cols + k]), round6);
    if (bins) out[names[k]] = bins;
  }
  return out;
}

/** How the targets were labelled, for model health to label live calls alike: the class (alpha) or the proposed side's win (risk, guard). */
function labelsOf(role: BuiltModel['role']): TrainingLabels {
  return { method: 'triple-barrier', target: role === 'alpha' ? 'class' : 'side-wins', ...LABEL_OPTIONS, costs: DEMO_ACCOUNT.costs };
}

function baseManifest(d: DemoDataset, role: BuiltModel['role'], description: string, f: Fitted, samples: number): Omit<ModelManifest, 'outputs' | 'metrics'> {
  const scaler = f.scaler;
  const t = d.series.time;
  return {
    format: 'tradeguard-model/1',
    role,
    name: `demo-${role}`,
    version: VERSION,
    description,
    featureSpec: FEATURE_SPEC,
    input: { name: 'features', shape: ['N', d.cols] },
    scaler: { mean: scaler.mean, std: scaler.std },
    timeframe: d.series.timeframe,
    symbols: [SYMBOL],
    // Decision-bar times: features also read the bars before `from`, labels up to H + 1 bars after
    // `to` (still before testFrom); the held-out labels read up to the last bar of the file.
    training: { from: iso(t[d.trainBars[0]]), to: iso(t[d.trainBars[d.trainBars.length - 1]]), testFrom: iso(t[d.testBars[0]]), testTo: iso(t[d.testBars[d.testBars.length - 1]]), samples, labels: labelsOf(role), distribution: f.distribution },
  };
}

/** Outputs of the shipped (float32) weights on float32 inputs, rounded to float32 like the runtime's. */
function shippedPredict(net: Net, xScaled: Float64Array, rows: number): Float64Array {
  return Float64Array.from(predict(toFloat32(net), xScaled, rows), Math.fround);
}

const LABEL_TXT = `triple-barrier labels (stop ${LABEL_OPTIONS.stopAtr} ATR, target ${LABEL_OPTIONS.targetAtr} ATR, ${LABEL_OPTIONS.horizonBars} bars, DEMO_ACCOUNT costs)`;
const FIT_TXT = (f: Fitted) => `Linear in the ${FEATURE_SPEC} features, L2 ${f.l2} chosen on a validation split inside the training period`;
const CLAIM_TXT = 'A demonstration of the pipeline: metrics are out-of-sample measurements on the held-out EURUSD H1 period only; no edge is claimed beyond them.';

// ---- alpha ----

const classOf = (d: DemoDataset, i: number) => d.labels.label[i] + 1; // short 0, flat 1, long 2

function alphaRows(d: DemoDataset, bars: readonly number[]): RowSet {
  const y = new Float64Array(bars.length * 3);
  bars.forEach((b, r) => (y[r * 3 + classOf(d, b)] = 1));
  return { x: gatherRows(d.features.flat, bars), y, n: bars.length };
}

function buildAlpha(d: DemoDataset): BuiltModel {
  const { cols } = d;
  const f = fitValidated(d, TRAIN_OPTIONS.alpha, 3, (bars) => alphaRows(d, bars));
  const yTest = d.testBars.map((b) => classOf(d, b));
  const p = shippedPredict(f.net, scaleRows(gatherRows(d.features.flat, d.testBars), cols, f.scaler), d.testBars.length);
  const trainFreq = [0, 1, 2].map((c) => d.trainBars.filter((b) => classOf(d, b) === c).length / d.trainBars.length);
  const testFreq = [0, 1, 2].map((c) => yTest.filter((v) => v === c).length / yTest.length);
  const trainMajority = trainFreq.indexOf(Math.max(...trainFreq));
  const pred = yTest.map((_, r) => argmaxRow(p, 3, r));
  const metrics: Record<string, number> = {
    test_samples: yTest.length,
    accuracy: pred.filter((c, r) => c === yTest[r]).length / yTest.length,
    baseline_accuracy_train_majority: testFreq[trainMajority],
    test_majority_rate: Math.max(...testFreq),
    log_loss: multiLogLoss(p, 3, yTest),
    baseline_log_loss_train_freq: multiLogLoss(yTest.flatMap(() => trainFreq), 3, yTest),
  };
  const confident = pred.map((c, r) => (p[r * 3 + c] >= 0.5 ? r : -1)).filter((r) => r >= 0);
  metrics.confident_share_at_0_5 = confident.length / yTest.length;
  if (confident.length > 0) metrics.accuracy_confident_at_0_5 = confident.filter((r) => pred[r] === yTest[r]).length / confident.length;
  ['short', 'flat', 'long'].forEach((name, c) => {
    const predicted = pred.filter((v) => v === c).length;
    metrics[`test_rate_${name}`] = testFreq[c];
    metrics[`predicted_share_${name}`] = predicted / yTest.length;
    if (predicted > 0) metrics[`precision_${name}`] = pred.filter((v, r) => v === c && yTest[r] === c).length / predicted;
  });

  const thresholds = alphaThreshold(d, f);

  const onnx = encodeModel(buildMlp({ name: 'demo-alpha', layers: denseLayers(f.net), head: 'softmax', outputName: 'probabilities', producerName: ONNX_PRODUCER }));
  const manifest: ModelManifest = {
    ...baseManifest(d, 'alpha', `Demo alpha: class probabilities short/flat/long (softmax regression) for EURUSD H1 from ${LABEL_TXT}: long = the long's target is hit first, short = the short's, flat = neither. ${FIT_TXT(f)}. ${CLAIM_TXT}`, f, d.trainBars.length),
    outputs: { kind: 'classes', output: 'probabilities', labels: ['short', 'flat', 'long'] },
    metrics: roundAll(metrics),
    producer: PRODUCER,
    thresholds,
  };
  return { role: 'alpha', manifest, onnx, ...fitInfo(f) };
}

/** The win rate a trader's go-live plan asks of a strategy (issue 15's readiness gates): the alpha's calls must reach it. */
export const ALPHA_CALL_WIN_RATE = 0.6;
/** Fewer calls than this on the training period say nothing about a threshold. */
export const ALPHA_MIN_CALLS = 20;
/** Thresholds are offered on this grid: finer would fit noise. */
const THRESHOLD_STEP = 0.05;

/**
 * The alpha's minimum confidence, from the TRAINING bars only: the lowest threshold on a 0.05
 * grid at which its long and short calls (argmax not flat, top probability at or above it) were
 * right at least ALPHA_CALL_WIN_RATE of the time, over at least ALPHA_MIN_CALLS calls.
 */
function alphaThreshold(d: DemoDataset, f: Fitted): NonNullable<ModelManifest['thresholds']> {
  const p = shippedPredict(f.net, scaleRows(gatherRows(d.features.flat, d.trainBars), d.cols, f.scaler), d.trainBars.length);
  const calls = d.trainBars.map((b, r) => ({ c: argmaxRow(p, 3, r), r, b })).filter((x) => x.c !== 1).map((x) => ({ confidence: p[x.r * 3 + x.c], right: x.c === classOf(d, x.b) }));
  for (let k = 1; k * THRESHOLD_STEP <= 1; k++) {
    const t = round6(k * THRESHOLD_STEP);
    const taken = calls.filter((c) => c.confidence >= t);
    if (taken.length < ALPHA_MIN_CALLS) break;
    const rate = taken.filter((c) => c.right).length / taken.length;
    if (rate >= ALPHA_CALL_WIN_RATE) {
      return { minConfidence: t, basis: `training period: the lowest confidence on a ${THRESHOLD_STEP} grid at which the alpha's long and short calls were right at least ${ALPHA_CALL_WIN_RATE * 100}% of the time (${taken.length} calls, ${round6(rate * 100)}% right)` };
    }
  }
  throw new Error(`no confidence threshold gives ${ALPHA_MIN_CALLS} or more training calls right ${ALPHA_CALL_WIN_RATE * 100}% of the time`);
}

// ---- risk and guard: one row per proposed side (long, then short) per bar ----

interface Proposals {
  x: Float64Array;
  n: number;
  /** 1 when the proposed side's labeled trade ends with net P&L > 0. */
  win: number[];
  sl: number[];
  tp: number[];
}

function proposals(d: DemoDataset, bars: readonly number[]): Proposals {
  const rows = proposalRows(d, bars);
  const win = rows.bar.map((b, r) => (outcomeOf(d.labels, rows.side[r]).netCents[b] > 0 ? 1 : 0));
  const exc = rows.bar.map((b, r) => excursionTargets(d.series, d.labels, rows.side[r], b));
  return { x: rows.x, n: rows.bar.length, win, sl: exc.map((e) => e.sl), tp: exc.map((e) => e.tp) };
}

function riskRows(d: DemoDataset, bars: readonly number[]): RowSet {
  const p = proposals(d, bars);
  // Targets scaled into [0, 1] for the sigmoid outputs; the cross-entropy fit is their conditional mean.
  const y = new Float64Array(p.n * 3);
  for (let r = 0; r < p.n; r++) {
    y[r * 3] = (p.sl[r] - RISK_OFFSET[0]) / RISK_SCALE[0];
    y[r * 3 + 1] = (p.tp[r] - RISK_OFFSET[1]) / RISK_SCALE[1];
    y[r * 3 + 2] = p.win[r];
  }
  return { x: p.x, y, n: p.n };
}

function buildRisk(d: DemoDataset): BuiltModel {
  const { cols } = d;
  const f = fitValidated(d, TRAIN_OPTIONS.risk, 3, (bars) => riskRows(d, bars));
  const tr = proposals(d, d.trainBars);
  const te = proposals(d, d.testBars);
  const s = shippedPredict(f.net, scaleRows(te.x, cols, f.scaler), te.n);
  // The graph's Mul and Add, in float32.
  const head = (h: number) => Array.from({ length: te.n }, (_, r) => Math.fround(Math.fround(s[r * 3 + h] * RISK_SCALE[h]) + RISK_OFFSET[h]));
  const [sl, tp, size] = [head(0), head(1), head(2)];
  const metrics: Record<string, number> = {
    test_samples: te.n,
    mae_sl_mult: meanAbsError(sl, te.sl),
    baseline_mae_sl_mult_train_mean: meanAbsError(te.sl.map(() => mean(tr.sl)), te.sl),
    mae_tp_mult: meanAbsError(tp, te.tp),
    baseline_mae_tp_mult_train_mean: meanAbsError(te.tp.map(() => mean(tr.tp)), te.tp),
    mae_size: meanAbsError(size, te.win),
    baseline_mae_size_train_rate: meanAbsError(te.win.map(() => mean(tr.win)), te.win),
    auc_size: auc(size, te.win),
    mean_sl_mult: mean(sl),
    mean_tp_mult: mean(tp),
    mean_size: mean(size),
  };

  const onnx = encodeModel(riskGraph(f.net, cols));
  const manifest: ModelManifest = {
    ...baseManifest(
      d,
      'risk',
      `Demo risk: one [N,3] tensor for a proposed EURUSD H1 trade (context direction = its side). sl_mult = 0.5 + 4.5·σ fits the adverse excursion from the entry fill over the next ${LABEL_OPTIONS.horizonBars} bars in ATR(14), clipped to [0.5, 5]; tp_mult = 0.5 + 9.5·σ the favourable excursion, clipped to [0.5, 10]; size = σ the probability that the side's trade under ${LABEL_TXT} ends with net P&L > 0. ${FIT_TXT(f)}. ${CLAIM_TXT}`,
      f,
      tr.n,
    ),
    outputs: { kind: 'tensor', output: 'risk' },
    metrics: roundAll(metrics),
    producer: PRODUCER,
  };
  return { role: 'risk', manifest, onnx, ...fitInfo(f) };
}

/** Gemm (-> Relu -> Gemm) -> Sigmoid -> Mul(scale) -> Add(offset): one [N, 3] output `risk`. */
function riskGraph(net: Net, cols: number): OnnxModel {
  const g = new GraphBuilder({ name: 'demo-risk', producerName: ONNX_PRODUCER });
  g.input('features', DataType.FLOAT, ['N', cols]);
  let x = 'features';
  denseLayers(net).forEach((layer, i) => {
    const w = g.initializer(floatTensor(`layer${i}.weight`, [layer.weights.length, layer.weights[0].length], layer.weights.flat()));
    const b = g.initializer(floatTensor(`layer${i}.bias`, [layer.bias.length], layer.bias));
    [x] = g.node('Gemm', [x, w, b], [`layer${i}.out`], { transB: attr.int(1) });
    if (i < net.layers.length - 1) [x] = g.node('Relu', [x], [`layer${i}.relu`]);
  });
  [x] = g.node('Sigmoid', [x], ['unit']);
  const scale = g.initializer(floatTensor('head.scale', [3], RISK_SCALE));
  const offset = g.initializer(floatTensor('head.offset', [3], RISK_OFFSET));
  [x] = g.node('Mul', [x, scale], ['scaled']);
  g.node('Add', [x, offset], ['risk']);
  g.output('risk', DataType.FLOAT, ['N', 3]);
  return g.build();
}

function guardRows(d: DemoDataset, bars: readonly number[]): RowSet {
  const p = proposals(d, bars);
  return { x: p.x, y: Float64Array.from(p.win), n: p.n };
}

function buildGuard(d: DemoDataset): BuiltModel {
  const { cols } = d;
  const f = fitValidated(d, TRAIN_OPTIONS.guard, 1, (bars) => guardRows(d, bars));
  const tr = proposals(d, d.trainBars);
  const te = proposals(d, d.testBars);
  const p = Array.from(shippedPredict(f.net, scaleRows(te.x, cols, f.scaler), te.n));
  const trainRate = mean(tr.win);
  const metrics: Record<string, number> = {
    test_samples: te.n,
    auc: auc(p, te.win),
    base_rate: mean(te.win),
    train_base_rate: trainRate,
    log_loss: binaryLogLoss(p, te.win),
    baseline_log_loss_train_rate: binaryLogLoss(te.win.map(() => trainRate), te.win),
  };
  // What a guard threshold lets through: at the chain's default 0.5, at the training base rate, and at the
  // threshold the manifest declares (its rounded base rate): model health compares the live block rate with it.
  const declared = round2(trainRate);
  for (const [tag, threshold] of [['0_5', 0.5], ['train_base_rate', trainRate], [String(declared).replace('.', '_'), declared]] as const) {
    const allowed = te.win.filter((_, r) => p[r] >= threshold);
    metrics[`allowed_share_at_${tag}`] = allowed.length / te.n;
    if (allowed.length > 0) metrics[`win_rate_allowed_at_${tag}`] = mean(allowed);
  }

  const onnx = encodeModel(buildMlp({ name: 'demo-guard', layers: denseLayers(f.net), head: 'sigmoid', outputName: 'allow', producerName: ONNX_PRODUCER }));
  const manifest: ModelManifest = {
    ...baseManifest(d, 'guard', `Demo guard: allow probability (logistic regression) = the estimated probability that the proposed side's EURUSD H1 trade (context direction = its side) under ${LABEL_TXT} ends with net P&L > 0. ${FIT_TXT(f)}. ${CLAIM_TXT}`, f, tr.n),
    outputs: { kind: 'allow-probability', output: 'allow' },
    metrics: roundAll(metrics),
    producer: PRODUCER,
    // Allow a trade the guard rates at least as likely to win as the average training trade.
    thresholds: { guardThreshold: round2(trainRate), basis: `training period: its base rate of winning trades (${round6(trainRate)}), rounded to 0.01; a ${LABEL_OPTIONS.stopAtr} ATR stop / ${LABEL_OPTIONS.targetAtr} ATR target trade breaks even near 40% wins before costs` },
  };
  return { role: 'guard', manifest, onnx, ...fitInfo(f) };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function fitInfo(f: Fitted): Pick<BuiltModel, 'validation' | 'l2' | 'initialLoss' | 'finalLoss'> {
  return { validation: f.validation, l2: f.l2, initialLoss: f.initialLoss, finalLoss: f.finalLoss };
}

function roundAll(m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) {
    if (!Number.isFinite(v)) throw new Error(`metric ${k} is ${v}`);
    out[k] = Number.isInteger(v) ? v : round6(v);
  }
  return out;
}

export function manifestJson(m: ModelManifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

export interface BuildResult {
  outDir: string;
  dataset: DemoDataset;
  models: BuiltModel[];
}

/** Trains the three models and writes `<outDir>/<role>/{model.onnx,manifest.json}`. */
export function buildDemoModels(outDir: string): BuildResult {
  const dataset = loadDemoDataset();
  const models = [buildAlpha(dataset), buildRisk(dataset), buildGuard(dataset)];
  for (const m of models) {
    const problems = manifestProblems(m.manifest);
    if (problems.length > 0) throw new Error(`${m.role} manifest: ${problems.join('; ')}`);
    const dir = join(outDir, m.role);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.onnx'), m.onnx);
    writeFileSync(join(dir, 'manifest.json'), manifestJson(m.manifest));
  }
  return { outDir, dataset, models };
}

export function formatReport(r: BuildResult): string {
  const d = r.dataset;
  const t = (i: number) => iso(d.series.time[i]);
  const lines = [
    `demo models -> ${r.outDir}`,
    `data: ${SYMBOL} ${d.series.timeframe}, ${d.series.time.length} bars; ${FEATURE_SPEC}; ${LABEL_TXT}`,
    `train:    ${String(d.trainBars.length).padStart(5)} bars ${t(d.trainBars[0])} .. ${t(d.trainBars[d.trainBars.length - 1])} (usable bars before ${iso(DEMO_HELD_OUT_FROM)}, less a ${LABEL_OPTIONS.horizonBars + 1}-bar gap)`,
    `held out: ${String(d.testBars.length).padStart(5)} bars ${t(d.testBars[0])} .. ${t(d.testBars[d.testBars.length - 1])} (what the demo replays, from ${iso(DEMO_HELD_OUT_FROM)})`,
  ];
  for (const m of r.models) {
    const val = m.validation.map((v) => `${v.l2}: ${v.loss.toFixed(4)}`).join(', ');
    lines.push(`${m.role} (${m.manifest.role}:${m.manifest.name}@${m.manifest.version}, ${m.onnx.length} bytes)`);
    lines.push(`  validation loss by L2 (inside the training period): ${val} -> L2 ${m.l2}`);
    lines.push(`  training loss ${m.initialLoss.toFixed(4)} -> ${m.finalLoss.toFixed(4)}; held-out metrics:`);
    for (const [k, v] of Object.entries(m.manifest.metrics)) lines.push(`    ${k.padEnd(34)} ${v}`);
  }
  return lines.join('\n');
}
