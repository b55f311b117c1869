import type { CostModel } from '../../market/costs.ts';
import { featureBinsProblems } from './feature-distribution.ts';

/**
 * How a bundle's training targets were labelled (manifest `training.labels`), so the model's
 * calls can be labelled the same way as bars arrive (model health): the triple-barrier
 * labeler of workers/models/labels with these options, on the paper broker's fill rules.
 * - `target: 'class'`: the model predicts the class: long if the long's target is hit first,
 *   short if the short's, flat otherwise (an alpha);
 * - `target: 'side-wins'`: the model predicts that the proposed side's trade ends with net
 *   P&L > 0 (a guard's allow probability, a risk model's size).
 * `costs` are the costs the labels were made with (absent: the account's are used).
 */
export interface TrainingLabels {
  method: 'triple-barrier';
  target: 'class' | 'side-wins';
  stopAtr: number;
  targetAtr: number;
  horizonBars: number;
  atrPeriod: number;
  costs?: CostModel;
}

const KEYS = ['method', 'target', 'stopAtr', 'targetAtr', 'horizonBars', 'atrPeriod', 'costs'];

export function trainingLabelsProblems(l: unknown): string[] {
  if (l === undefined) return [];
  if (typeof l !== 'object' || l === null || Array.isArray(l)) return ['training.labels must describe how the targets were labelled: { method: "triple-barrier", target, stopAtr, targetAtr, horizonBars, atrPeriod }'];
  const x = l as Record<string, unknown>;
  const out: string[] = [];
  for (const k of Object.keys(x)) if (!KEYS.includes(k)) out.push(`training.labels.${k} is not a labelling field (known: ${KEYS.join(', ')})`);
  if (x.method !== 'triple-barrier') out.push(`training.labels.method must be "triple-barrier" (got ${JSON.stringify(x.method)})`);
  if (x.target !== 'class' && x.target !== 'side-wins') out.push(`training.labels.target must be "class" (long/flat/short) or "side-wins" (the proposed side ends with net P&L > 0) (got ${JSON.stringify(x.target)})`);
  for (const k of ['stopAtr', 'targetAtr']) if (!(typeof x[k] === 'number' && (x[k] as number) > 0 && Number.isFinite(x[k]))) out.push(`training.labels.${k} must be a number > 0 (ATRs)`);
  for (const k of ['horizonBars', 'atrPeriod']) if (!(Number.isInteger(x[k]) && (x[k] as number) >= 1)) out.push(`training.labels.${k} must be a whole number >= 1`);
  if (x.costs !== undefined) {
    const c = x.costs as Partial<CostModel> | null;
    const kind = c?.commission?.kind;
    if (!c || typeof c !== 'object' || !(Number(c.spreadPips) >= 0) || !(Number(c.slippagePips) >= 0) || (kind !== 'none' && kind !== 'per-lot' && kind !== 'notional')) out.push('training.labels.costs must be { spreadPips >= 0, slippagePips >= 0, commission: { kind: none | per-lot | notional, ... } }');
  }
  return out;
}

/** Problems with `training.distribution`: feature names of the spec, each with sound bins. */
export function trainingDistributionProblems(d: unknown, names: string[] | undefined): string[] {
  if (d === undefined) return [];
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return ['training.distribution must map feature names to { edges, shares } of the training rows'];
  const out: string[] = [];
  for (const [k, v] of Object.entries(d)) {
    if (names && !names.includes(k)) out.push(`training.distribution names "${k}", which is not a feature of the spec`);
    else out.push(...featureBinsProblems(k, v));
    if (out.length >= 5) break;
  }
  return out;
}
