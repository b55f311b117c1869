import type { AlphaOutputs, Direction, GuardOutputs, RiskOutputs } from '../bundle/manifest.ts';

/**
 * Reading model outputs as the manifest declares them, one row at a time.
 * Each reader throws a ModelOutputError (naming the model's head and row) on a
 * NaN or out-of-range value: the agent pauses rather than trade on it.
 */

/** A tensor as the inference seam returns it (float outputs only here). */
export interface FloatTensor {
  data: Float32Array | Float64Array;
  dims: readonly number[];
}

export class ModelOutputError extends Error {}

export interface AlphaReading {
  direction: -1 | 0 | 1;
  /** 0..1: the winning class probability, or |score|. */
  confidence: number;
  /** Probability per direction (classes and actions: summed over the classes mapping to it; score: none). */
  probabilities: Partial<Record<Direction, number>>;
}

export interface RiskReading {
  slMult: number;
  tpMult: number;
  /** 0..1 share of the agent's maximum risk. */
  size: number;
}

const DIR: Record<Direction, -1 | 0 | 1> = { short: -1, flat: 0, long: 1 };

/*
 * The messages name the head, the row and the column; they are put together only when thrown
 * (a reader runs on every decision of a backtest, and a number turned into text each time costs).
 */
const rowLabel = (head: string, row: number, column = -1) => `${head} row ${row}${column >= 0 ? ` column ${column}` : ''}`;

function rowOf(t: FloatTensor, row: number, role: string, name: string): ArrayLike<number> {
  const width = t.dims.length >= 2 ? t.dims[t.dims.length - 1] : 1;
  const rows = t.data.length / width;
  if (row >= rows) throw new ModelOutputError(`${role} ${name}: row ${row} missing (the output has ${rows} rows)`);
  return t.data.subarray(row * width, row * width + width);
}

/** v, unless it is NaN or infinite: then an error naming `${role} ${name} row r[ column c]`. */
function finite(v: number, role: string, name: string, row: number, column = -1): number {
  if (!Number.isFinite(v)) throw new ModelOutputError(`${rowLabel(`${role} ${name}`, row, column)} is ${v}`);
  return v;
}

/** Sum of a row that is a probability distribution may be off by float32 rounding, no more. */
const SUM_TOLERANCE = 1e-3;

const LOGIT_ADVICE = {
  softmax: 'this looks like logits: add a softmax to the exported model (torch.nn.Softmax(dim=-1)) or declare "logits": true in outputs',
  sigmoid: 'this looks like logits: add a sigmoid to the exported model (torch.nn.Sigmoid()) or declare "logits": true in outputs',
};

const show = (p: readonly number[]) => `[${p.map((v) => +v.toPrecision(4)).join(', ')}]`;

/** Throws unless `p` is a probability distribution: each in [0, 1], summing to 1 (`what` names it in the error). */
function mustBeDistribution(p: readonly number[], what: () => string): void {
  let sum = 0;
  for (const v of p) {
    if (v < -1e-6 || v > 1 + 1e-6) throw new ModelOutputError(`${what()} is ${show(p)}: ${v} is not a probability; ${LOGIT_ADVICE.softmax}`);
    sum += v;
  }
  if (Math.abs(sum - 1) > SUM_TOLERANCE) throw new ModelOutputError(`${what()} is ${show(p)}, summing to ${+sum.toPrecision(4)}, not 1: not probabilities; ${LOGIT_ADVICE.softmax}`);
}

/**
 * Class probabilities or a discrete policy's scores. Classes must be probabilities, unless the
 * manifest declares logits (then the softmax is applied here): a logit read as a probability
 * would trade on a number that means something else. A policy's action scores that are not a
 * distribution (a DQN's Q-values) are softmaxed, as documented for the `actions` kind.
 */
export function readAlpha(o: AlphaOutputs, t: FloatTensor, row: number): AlphaReading {
  if (o.kind === 'score') {
    const s = finite(rowOf(t, row, 'alpha', o.output)[0], 'alpha', o.output, row);
    if (s < -1 - 1e-6 || s > 1 + 1e-6) throw new ModelOutputError(`alpha ${o.output} row ${row} is ${s}, outside [-1, 1]; squash the score into [-1, 1] inside the model (torch.tanh)`);
    return { direction: s > 0 ? 1 : s < 0 ? -1 : 0, confidence: Math.min(1, Math.abs(s)), probabilities: {} };
  }
  const labels = o.kind === 'classes' ? o.labels : o.actions;
  const raw = rowOf(t, row, 'alpha', o.output);
  if (raw.length !== labels.length) throw new ModelOutputError(`alpha ${o.output} has ${raw.length} columns, the manifest names ${labels.length}`);
  const p = new Array<number>(raw.length);
  let sum = 0;
  let negative = false;
  for (let i = 0; i < raw.length; i++) {
    p[i] = finite(raw[i], 'alpha', o.output, row, i);
    sum += p[i];
    if (p[i] < 0) negative = true;
  }
  if (o.kind === 'classes' && o.logits) softmaxInPlace(p);
  else if (o.kind === 'classes') mustBeDistribution(p, () => rowLabel(`alpha ${o.output}`, row));
  else if (negative || Math.abs(sum - 1) > SUM_TOLERANCE) softmaxInPlace(p);
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  const probabilities: Partial<Record<Direction, number>> = {};
  for (let i = 0; i < p.length; i++) probabilities[labels[i]] = (probabilities[labels[i]] ?? 0) + p[i];
  return { direction: DIR[labels[best]], confidence: p[best], probabilities };
}

function softmaxInPlace(p: number[]): void {
  const m = Math.max(...p);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += p[i] = Math.exp(p[i] - m);
  for (let i = 0; i < p.length; i++) p[i] /= s;
}

export function readRisk(o: RiskOutputs, tensors: Record<string, FloatTensor>, row: number): RiskReading {
  const get = (name: string) => {
    const t = tensors[name];
    if (!t) throw new ModelOutputError(`risk output ${name} missing from the model's results`);
    return t;
  };
  if (o.kind === 'tensor') {
    const r = rowOf(get(o.output), row, 'risk', o.output);
    if (r.length !== 3) throw new ModelOutputError(`risk ${o.output} has ${r.length} columns, expected 3 (sl_mult, tp_mult, size)`);
    return { slMult: finite(r[0], 'risk', 'sl_mult', row), tpMult: finite(r[1], 'risk', 'tp_mult', row), size: finite(r[2], 'risk', 'size', row) };
  }
  return {
    slMult: finite(rowOf(get(o.slMult), row, 'risk', 'sl_mult')[0], 'risk', 'sl_mult', row),
    tpMult: finite(rowOf(get(o.tpMult), row, 'risk', 'tp_mult')[0], 'risk', 'tp_mult', row),
    size: finite(rowOf(get(o.size), row, 'risk', 'size')[0], 'risk', 'size', row),
  };
}

export function readGuard(o: GuardOutputs, t: FloatTensor, row: number): number {
  const r = rowOf(t, row, 'guard', o.output);
  const col = o.column ?? 0;
  if (col >= r.length) throw new ModelOutputError(`guard ${o.output} has ${r.length} columns; the manifest reads column ${col}`);
  if (o.column !== undefined && r.length > 1) {
    // A classifier's row: all its columns are probabilities (or logits) of one distribution.
    const p = Array.from(r, (v, i) => finite(v, 'guard', o.output, row, i));
    if (o.logits) softmaxInPlace(p);
    else mustBeDistribution(p, () => rowLabel(`guard ${o.output}`, row));
    return p[col];
  }
  const v = finite(r[col], 'guard', o.output, row);
  if (o.logits) return 1 / (1 + Math.exp(-v));
  if (v < -1e-6 || v > 1 + 1e-6) throw new ModelOutputError(`${rowLabel(`guard ${o.output}`, row)} is ${v}, not a probability; ${LOGIT_ADVICE.sigmoid}`);
  return v;
}
