import { isTimeframe, type Timeframe } from '../../market/timeframe.ts';
import { manifestSpec, withFeatureSpecId, type ManifestFeatures } from './manifest-spec.ts';
import { nonFiniteNumbers } from './finite-numbers.ts';
import { keyHints } from './key-hints.ts';
import { stdFloorProblem } from './std-floor.ts';
import { trainingDistributionProblems, trainingLabelsProblems, type TrainingLabels } from './training-labels.ts';
import type { FeatureBins } from './feature-distribution.ts';

/**
 * manifest.json of a model bundle (model.onnx + manifest.json): what the model
 * is for, what it reads, what its outputs mean, and what it was measured to do.
 * models/README.md documents every field with examples.
 */
export type ModelRole = 'alpha' | 'risk' | 'guard';
export const MODEL_ROLES: readonly ModelRole[] = ['alpha', 'risk', 'guard'];
export const MANIFEST_FORMAT = 'tradeguard-model/1';

export type Direction = 'short' | 'flat' | 'long';

export type AlphaOutputs =
  /**
   * Class probabilities [N, C]; `labels[c]` says what class c means (e.g. ['short', 'flat', 'long']).
   * `logits: true` declares raw scores instead: the chain applies the softmax.
   */
  | { kind: 'classes'; output: string; labels: Direction[]; logits?: boolean }
  /** A discrete-action policy (Stable-Baselines3): scores or probabilities [N, A] over actions; `actions[a]` is the direction of action a. */
  | { kind: 'actions'; output: string; actions: Direction[] }
  /** One score in [-1, 1] per row [N, 1]: the sign is the direction, the magnitude the confidence. */
  | { kind: 'score'; output: string };

export type RiskOutputs =
  /** Three outputs of [N, 1] (or [N]). */
  | { kind: 'heads'; slMult: string; tpMult: string; size: string }
  /** One [N, 3] tensor in the order sl_mult, tp_mult, size. */
  | { kind: 'tensor'; output: string };

/**
 * The probability that the trade is allowed: [N, 1], or column `column` of [N, K] (a classifier's
 * probabilities). `logits: true` declares raw scores: the chain applies a sigmoid ([N, 1]) or a
 * softmax over the row ([N, K]) first.
 */
export type GuardOutputs = { kind: 'allow-probability'; output: string; column?: number; logits?: boolean };

export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  role: ModelRole;
  name: string;
  version: string;
  description?: string;
  /** The feature spec id the model reads, e.g. 'risk-obs-v1' (features.id when the manifest declares its features). */
  featureSpec: string;
  /** Features declared in the strategy language instead of a built-in spec (manifest-spec.ts). */
  features?: ManifestFeatures;
  /** The model's input tensor: its name and shape [batch, features]; batch is 'N' (any) or a number. */
  input: { name: string; shape: [number | 'N', number] };
  /** Standardisation applied before the model: (x - mean) / std per feature; null when the model takes raw features. */
  scaler: { mean: number[]; std: number[] } | null;
  outputs: AlphaOutputs | RiskOutputs | GuardOutputs;
  timeframe: Timeframe;
  symbols: string[];
  /**
   * When (ISO dates): `from`..`to` is the training window, the bars the model learned from;
   * `testFrom`..`testTo` the held-out window its `metrics` were measured on; `samples` the
   * training rows. models/README.md says exactly what each bound is. `featureRanges`: [min, max]
   * of feature columns in the training rows, by name: validation warns about a context column
   * that never varied in training.
   */
  training: {
    from: string;
    to: string;
    testFrom?: string;
    testTo?: string;
    samples?: number;
    featureRanges?: Record<string, [number, number]>;
    /** How the targets were labelled: model health labels the live calls the same way (training-labels.ts). */
    labels?: TrainingLabels;
    /** Per feature, bin edges and the training rows' shares (feature-distribution.ts): what live drift is measured against. */
    distribution?: Record<string, FeatureBins>;
  };
  /** Out-of-sample metrics as measured, by name (e.g. accuracy, auc, sharpe). */
  metrics: Record<string, number>;
  /** What exported it (e.g. 'torch 2.3 / torch.onnx.export'). */
  producer?: string;
  /**
   * The decision threshold calibrated for this model, the default of a backtest or agent that
   * attaches it (a value typed by the trader wins): an alpha's `minConfidence`, a guard's
   * `guardThreshold` (the allow probability). `basis` says how it was chosen, on which window.
   * A risk model has none: its outputs are sizes and distances, not a yes or no.
   */
  thresholds?: ManifestThresholds;
}

export interface ManifestThresholds {
  minConfidence?: number;
  guardThreshold?: number;
  basis?: string;
}

/** Which threshold each role may declare. */
const THRESHOLD_OF: Record<ModelRole, keyof ManifestThresholds | null> = { alpha: 'minConfidence', risk: null, guard: 'guardThreshold' };

/**
 * The chain thresholds the attached bundles declare (the alpha's minConfidence, the guard's
 * guardThreshold), with the model that declared each: the defaults the backtest form and the
 * CLI start from. Absent when the bundle declares none.
 */
export function declaredThresholds(bundles: { alpha?: Pick<ModelManifest, 'thresholds'> | null; guard?: Pick<ModelManifest, 'thresholds'> | null }): { minConfidence?: number; guardThreshold?: number } {
  const out: { minConfidence?: number; guardThreshold?: number } = {};
  const c = bundles.alpha?.thresholds?.minConfidence;
  const g = bundles.guard?.thresholds?.guardThreshold;
  if (typeof c === 'number') out.minConfidence = c;
  if (typeof g === 'number') out.guardThreshold = g;
  return out;
}

/**
 * Every problem with a manifest, each naming the field and saying what is
 * expected, or [] when it is sound. Checks that need the ONNX file (its inputs,
 * outputs and operators) live with the bundle validation.
 */
export function manifestProblems(m: unknown): string[] {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return ['manifest.json must hold a JSON object'];
  // Declared features name the spec: featureSpec reads as their id when left out.
  const x = withFeatureSpecId(m) as Record<string, unknown>;
  const out: string[] = keyHints(x);
  const str = (k: string) => typeof x[k] === 'string' && (x[k] as string).trim() !== '';
  if (x.format !== MANIFEST_FORMAT) out.push(`format must be "${MANIFEST_FORMAT}" (got ${JSON.stringify(x.format)})`);
  if (!MODEL_ROLES.includes(x.role as ModelRole)) out.push(`role must be one of ${MODEL_ROLES.join(', ')} (got ${JSON.stringify(x.role)})`);
  // Names and versions make the model id role:name@version, so they may not hold ':' or '@'.
  for (const k of ['name', 'version']) if (!str(k) || !/^[A-Za-z0-9._-]+$/.test(x[k] as string)) out.push(`${k} must be a non-empty string of letters, digits, '.', '_' or '-'`);

  const resolved = manifestSpec(x);
  out.push(...resolved.problems);
  const spec = resolved.spec ?? undefined;
  const width = spec?.features.length;

  const input = x.input as { name?: unknown; shape?: unknown } | undefined;
  if (!input || typeof input.name !== 'string' || !input.name) out.push('input.name must name the model\'s input tensor');
  const shape = input?.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !(shape[0] === 'N' || (Number.isInteger(shape[0]) && (shape[0] as number) > 0)) || !Number.isInteger(shape[1])) {
    out.push('input.shape must be [batch, features] with batch "N" or a positive whole number');
  } else if (width !== undefined && shape[1] !== width) {
    out.push(`input.shape says ${shape[1]} features but ${x.featureSpec} has ${width}`);
  }

  if (x.scaler !== null) {
    const s = x.scaler as { mean?: unknown; std?: unknown } | undefined;
    if (!s || !Array.isArray(s.mean) || !Array.isArray(s.std)) out.push('scaler must be null or { mean: number[], std: number[] }');
    else {
      if (width !== undefined && (s.mean.length !== width || s.std.length !== width)) out.push(`scaler has ${s.mean.length} means and ${s.std.length} standard deviations; ${x.featureSpec} has ${width} features`);
      const badMean = s.mean.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
      if (badMean >= 0) out.push(`scaler.mean[${badMean}] is not a finite number${spec ? ` (feature ${spec.features[badMean]?.name})` : ''}`);
      const badStd = s.std.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v) || v <= 0);
      if (badStd >= 0) out.push(`scaler.std[${badStd}] must be a finite number > 0${spec ? ` (feature ${spec.features[badStd]?.name})` : ''}`);
      else if (spec) {
        const tiny = stdFloorProblem(spec, s.std as number[]);
        if (tiny) out.push(tiny);
      }
    }
  }

  out.push(...outputProblems(x.role as ModelRole, x.outputs));
  if (typeof x.timeframe !== 'string' || !isTimeframe(x.timeframe)) out.push(`timeframe must be one of M1 M5 M15 M30 H1 H4 D1 W1 MN1 (got ${JSON.stringify(x.timeframe)})`);
  if (!Array.isArray(x.symbols) || x.symbols.length === 0 || !x.symbols.every((s) => typeof s === 'string' && s)) out.push('symbols must list the symbols the model was trained for');
  const t = x.training as Record<string, unknown> | undefined;
  if (!t || typeof t.from !== 'string' || typeof t.to !== 'string' || Number.isNaN(Date.parse(t.from)) || Number.isNaN(Date.parse(t.to))) out.push('training must give from and to as ISO dates');
  else if (Date.parse(t.from) > Date.parse(t.to)) out.push('training.from must not be after training.to');
  else if (t.testFrom !== undefined && (typeof t.testFrom !== 'string' || !(Date.parse(t.testFrom) >= Date.parse(t.from)))) out.push('training.testFrom must be an ISO date, not before training.from (the held-out window starts there)');
  else if (t.testTo !== undefined && (t.testFrom === undefined || typeof t.testTo !== 'string' || !(Date.parse(t.testTo) >= Date.parse(t.testFrom as string)))) out.push('training.testTo must be an ISO date, not before training.testFrom (give both: the held-out window)');
  if (t && typeof t === 'object') out.push(...featureRangeProblems(t.featureRanges, spec?.features.map((f) => f.name)));
  if (t && typeof t === 'object') out.push(...trainingLabelsProblems(t.labels), ...trainingDistributionProblems(t.distribution, spec?.features.map((f) => f.name)));
  out.push(...thresholdProblems(x.role as ModelRole, x.thresholds));
  if (typeof x.metrics !== 'object' || x.metrics === null || Array.isArray(x.metrics) || Object.values(x.metrics).some((v) => typeof v !== 'number' || !Number.isFinite(v))) out.push('metrics must map names to measured numbers (an empty object when none were measured)');
  // The scaler and metrics have finite checks of their own, with the feature named; the rest is caught here.
  const { scaler: _scaler, metrics: _metrics, ...rest } = x;
  out.push(...nonFiniteNumbers(rest).filter((p) => !out.some((o) => o.startsWith(p.split(' ')[0]))));
  return out;
}

const DIRECTIONS: readonly string[] = ['short', 'flat', 'long'];

function thresholdProblems(role: ModelRole, t: unknown): string[] {
  if (t === undefined) return [];
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return ['thresholds must be an object: { minConfidence } for an alpha, { guardThreshold } for a guard, with an optional basis'];
  const own = MODEL_ROLES.includes(role) ? THRESHOLD_OF[role] : undefined;
  const out: string[] = [];
  for (const [k, v] of Object.entries(t)) {
    if (k === 'basis') {
      if (typeof v !== 'string' || !v.trim()) out.push('thresholds.basis must say in words how the thresholds were chosen');
    } else if (k !== 'minConfidence' && k !== 'guardThreshold') out.push(`thresholds.${k} is not a threshold the chain reads (minConfidence for an alpha, guardThreshold for a guard)`);
    else if (own !== undefined && k !== own) out.push(`thresholds.${k} belongs to ${k === 'minConfidence' ? 'an alpha' : 'a guard'} model; a ${role} model ${own ? `declares ${own}` : 'declares none'}`);
    else if (typeof v !== 'number' || !(v >= 0 && v <= 1)) out.push(`thresholds.${k} must be a probability in [0, 1] (got ${JSON.stringify(v)})`);
  }
  return out;
}

function featureRangeProblems(r: unknown, names: string[] | undefined): string[] {
  if (r === undefined) return [];
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return ['training.featureRanges must map feature names to [min, max] of the training rows'];
  const out: string[] = [];
  for (const [k, v] of Object.entries(r)) {
    if (names && !names.includes(k)) out.push(`training.featureRanges names "${k}", which is not a feature of the spec`);
    else if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => typeof n === 'number' && Number.isFinite(n)) || v[0] > v[1]) out.push(`training.featureRanges.${k} must be [min, max] (two finite numbers, min <= max)`);
  }
  return out;
}

/**
 * What is sound but likely wrong: a context column that never varied in training (per
 * training.featureRanges) while the engine feeds it live values.
 */
export function manifestWarnings(m: ModelManifest): string[] {
  const out: string[] = [];
  const given = m.training?.featureRanges;
  const ranges: Record<string, unknown> = typeof given === 'object' && given !== null ? given : {};
  const declared = manifestSpec(m);
  out.push(...declared.warnings);
  for (const f of declared.spec?.features ?? []) {
    const r = ranges[f.name];
    if (f.group !== 'context' || !Array.isArray(r) || r[0] !== r[1]) continue;
    // The alpha always sees direction 0 (so adds_to_position 0 too): constant by design.
    if (m.role === 'alpha' && (f.name === 'ctx_direction' || f.name === 'ctx_adds_to_position')) continue;
    const live = f.name === 'ctx_direction' ? 'risk and guard see +1 or -1 there (the proposed side)' : 'the engine feeds it live from the agent\'s account and position';
    out.push(`training.featureRanges says ${f.name} was always ${r[0]} in training, but ${live}: the model never learnt what other values mean. Train on \`tradeguard features --with-context\` output (models/README.md, "Training data with context").`);
  }
  return out;
}

function outputProblems(role: ModelRole, o: unknown): string[] {
  if (typeof o !== 'object' || o === null) return ['outputs must describe the model\'s output heads'];
  const x = o as Record<string, unknown>;
  const named = (k: string) => (typeof x[k] === 'string' && x[k] ? [] : [`outputs.${k} must name an output tensor`]);
  switch (role) {
    case 'alpha':
      if (x.kind === 'score') return [...named('output'), ...logitsFlag(x, false)];
      if (x.kind === 'classes' || x.kind === 'actions') {
        const list = x.kind === 'classes' ? x.labels : x.actions;
        const key = x.kind === 'classes' ? 'labels' : 'actions';
        const bad = !Array.isArray(list) || list.length < 2 || !list.every((d) => DIRECTIONS.includes(d as string)) || (x.kind === 'classes' && new Set(list).size !== list.length);
        return [...named('output'), ...(x.kind === 'classes' ? logitsFlag(x, true) : logitsFlag(x, false)), ...(bad ? [`outputs.${key} must list at least two of short, flat, long (what each ${x.kind === 'classes' ? 'class' : 'action'} means${x.kind === 'classes' ? ', each once' : ''})`] : [])];
      }
      return [`an alpha model's outputs.kind must be classes, actions or score (got ${JSON.stringify(x.kind)})`];
    case 'risk':
      if (x.kind === 'heads') return [...named('slMult'), ...named('tpMult'), ...named('size'), ...logitsFlag(x, false)];
      if (x.kind === 'tensor') return [...named('output'), ...logitsFlag(x, false)];
      return [`a risk model's outputs.kind must be heads (sl_mult, tp_mult, size as three outputs) or tensor (one [N, 3] output) (got ${JSON.stringify(x.kind)})`];
    case 'guard':
      if (x.kind !== 'allow-probability') return [`a guard model's outputs.kind must be allow-probability (got ${JSON.stringify(x.kind)})`];
      return [...named('output'), ...logitsFlag(x, true), ...(x.column === undefined || (Number.isInteger(x.column) && (x.column as number) >= 0) ? [] : ['outputs.column must be a column index >= 0'])];
    default:
      return [];
  }
}

/** `logits` is a boolean, and only on the outputs the chain can turn into probabilities (alpha classes, guard). */
function logitsFlag(x: Record<string, unknown>, allowed: boolean): string[] {
  if (x.logits === undefined) return [];
  if (!allowed) return [`outputs.logits applies to alpha classes and guard allow-probability outputs only; a ${x.kind} output is read as it is (put the activation inside the model)`];
  return typeof x.logits === 'boolean' ? [] : ['outputs.logits must be true (the output is raw scores: the chain applies sigmoid/softmax) or false'];
}

/** The output tensor names a manifest declares (to match against the ONNX graph's outputs). */
export function declaredOutputs(m: ModelManifest): string[] {
  const o = m.outputs;
  if ('slMult' in o) return [o.slMult, o.tpMult, o.size];
  return [o.output];
}
