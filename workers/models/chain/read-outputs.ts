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

function rowOf(t: FloatTensor, row: number, what: string): ArrayLike<number> {
  const width = t.dims.length >= 2 ? t.dims[t.dims.length - 1] : 1;
  const rows = t.data.length / width;
  if (row >= rows) throw new ModelOutputError(`${what}: row ${row} missing (the output has ${rows} rows)`);
  return t.data.subarray(row * width, row * width + width);
}

function finite(v: number, what: string): number {
  if (!Number.isFinite(v)) throw new ModelOutputError(`${what} is ${v}`);
  return v;
}

/**
 * Class probabilities or a discrete policy's scores. Scores that are not a
 * probability distribution (negative, or not summing to 1) are logits: softmax
 * turns them into one, as a Stable-Baselines3 policy head would.
 */
export function readAlpha(o: AlphaOutputs, t: FloatTensor, row: number): AlphaReading {
  if (o.kind === 'score') {
    const s = finite(rowOf(t, row, `alpha ${o.output}`)[0], `alpha ${o.output} row ${row}`);
    if (s < -1 - 1e-6 || s > 1 + 1e-6) throw new ModelOutputError(`alpha ${o.output} row ${row} is ${s}, outside [-1, 1]`);
    return { direction: s > 0 ? 1 : s < 0 ? -1 : 0, confidence: Math.min(1, Math.abs(s)), probabilities: {} };
  }
  const labels = o.kind === 'classes' ? o.labels : o.actions;
  const raw = rowOf(t, row, `alpha ${o.output}`);
  if (raw.length !== labels.length) throw new ModelOutputError(`alpha ${o.output} has ${raw.length} columns, the manifest names ${labels.length}`);
  const p = new Array<number>(raw.length);
  let sum = 0;
  let negative = false;
  for (let i = 0; i < raw.length; i++) {
    p[i] = finite(raw[i], `alpha ${o.output} row ${row} column ${i}`);
    sum += p[i];
    if (p[i] < 0) negative = true;
  }
  if (negative || Math.abs(sum - 1) > 1e-3) softmaxInPlace(p);
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
    const r = rowOf(get(o.output), row, `risk ${o.output}`);
    if (r.length !== 3) throw new ModelOutputError(`risk ${o.output} has ${r.length} columns, expected 3 (sl_mult, tp_mult, size)`);
    return { slMult: finite(r[0], `risk sl_mult row ${row}`), tpMult: finite(r[1], `risk tp_mult row ${row}`), size: finite(r[2], `risk size row ${row}`) };
  }
  return {
    slMult: finite(rowOf(get(o.slMult), row, 'risk sl_mult')[0], `risk sl_mult row ${row}`),
    tpMult: finite(rowOf(get(o.tpMult), row, 'risk tp_mult')[0], `risk tp_mult row ${row}`),
    size: finite(rowOf(get(o.size), row, 'risk size')[0], `risk size row ${row}`),
  };
}

export function readGuard(o: GuardOutputs, t: FloatTensor, row: number): number {
  const r = rowOf(t, row, `guard ${o.output}`);
  const col = o.column ?? 0;
  if (col >= r.length) throw new ModelOutputError(`guard ${o.output} has ${r.length} columns; the manifest reads column ${col}`);
  const p = finite(r[col], `guard ${o.output} row ${row}`);
  if (p < -1e-6 || p > 1 + 1e-6) throw new ModelOutputError(`guard ${o.output} row ${row} is ${p}, not a probability`);
  return p;
}
