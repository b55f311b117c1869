import type { ModelManifest } from '../bundle/manifest.ts';
import type { InferenceSession, OutputTensor } from '../inference/session.ts';
import { readAlpha, readGuard, readRisk, ModelOutputError, type AlphaReading, type FloatTensor, type RiskReading } from './read-outputs.ts';
import { scaleRows } from './scaler.ts';

/** A validated bundle with its runtime session: what an agent's chain runs. */
export interface LoadedModel {
  /** Registry id, e.g. 'alpha:demo@1'. */
  id: string;
  manifest: ModelManifest;
  session: InferenceSession;
}

/**
 * One model of the chain: takes feature rows (row-major float64), scales them
 * as the manifest says, runs them in ONE batched call, and reads each row's
 * result as the manifest's heads declare.
 */
export class ModelStage {
  private scratch = new Float32Array(0);
  readonly width: number;

  constructor(readonly model: LoadedModel) {
    this.width = model.manifest.input.shape[1];
  }

  private async run(rows: Float64Array): Promise<Record<string, FloatTensor>> {
    const n = rows.length / this.width;
    if (this.scratch.length < rows.length) this.scratch = new Float32Array(rows.length);
    const x = scaleRows(rows, this.width, this.model.manifest.scaler, this.scratch);
    const out = await this.model.session.run({ [this.model.manifest.input.name]: { data: x, dims: [n, this.width] } });
    const floats: Record<string, FloatTensor> = {};
    for (const [name, t] of Object.entries(out)) if (isFloat(t)) floats[name] = { data: t.data, dims: t.dims };
    return floats;
  }

  private output(t: Record<string, FloatTensor>, name: string): FloatTensor {
    const o = t[name];
    if (!o) throw new ModelOutputError(`model ${this.model.id} returned no float output "${name}"`);
    return o;
  }

  async alpha(rows: Float64Array): Promise<AlphaReading[]> {
    const o = this.model.manifest.outputs;
    if (!('kind' in o) || (o.kind !== 'classes' && o.kind !== 'actions' && o.kind !== 'score')) throw new ModelOutputError(`model ${this.model.id} is not an alpha model`);
    const t = this.output(await this.run(rows), o.output);
    return Array.from({ length: rows.length / this.width }, (_, r) => readAlpha(o, t, r));
  }

  async risk(rows: Float64Array): Promise<RiskReading[]> {
    const o = this.model.manifest.outputs;
    if (o.kind !== 'heads' && o.kind !== 'tensor') throw new ModelOutputError(`model ${this.model.id} is not a risk model`);
    const t = await this.run(rows);
    return Array.from({ length: rows.length / this.width }, (_, r) => readRisk(o, t, r));
  }

  async guard(rows: Float64Array): Promise<number[]> {
    const o = this.model.manifest.outputs;
    if (o.kind !== 'allow-probability') throw new ModelOutputError(`model ${this.model.id} is not a guard model`);
    const t = this.output(await this.run(rows), o.output);
    return Array.from({ length: rows.length / this.width }, (_, r) => readGuard(o, t, r));
  }
}

function isFloat(t: OutputTensor): t is OutputTensor & { data: Float32Array | Float64Array } {
  return t.data instanceof Float32Array || t.data instanceof Float64Array;
}
