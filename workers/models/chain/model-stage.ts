import type { ModelManifest } from '../bundle/manifest.ts';
import type { InferenceSession, OutputTensor } from '../inference/session.ts';
import { readAlpha, readGuard, readRisk, ModelOutputError, type AlphaReading, type FloatTensor, type RiskReading } from './read-outputs.ts';
import { scaleRows } from './scaler.ts';
import type { FeatureRows } from '../../features/spec/index.ts';

/** A validated bundle with its runtime session: what an agent's chain runs. */
export interface LoadedModel {
  /** Registry id, e.g. 'alpha:demo@1'. */
  id: string;
  manifest: ModelManifest;
  session: InferenceSession;
  /** A backtest's view of the rows to come: one-row runs then go in blocks (see RowForecast). */
  forecast?: RowForecast;
}

/**
 * What a backtest knows ahead of a one-row run: the bar it is for, and the rows the next bars
 * will bring if nothing changes (no order, no fill). A stage runs the row with those in one
 * call and answers a later bar from that call only when its row is bit for bit the one
 * computed then: a run's rows are independent of each other, so the answer is the one a
 * run of that row alone gives. A forecast that turns out wrong only costs a run.
 */
export interface RowForecast {
  /** The bar of the run being made, or -1 when this run cannot be told ahead. */
  current(): number;
  /** Up to `max` rows for the bars after `bar`, written into `out` from `o` (row-major); how many. */
  ahead(bar: number, max: number, out: Float64Array, o: number): number;
  /** The observation builder for a symbol's bars, computed ahead (the same values as streaming), or null. */
  features?(symbol: string): FeatureRows | null;
}

/** One batched run of a row and its forecast successors (bars first .. first + count - 1). */
interface Block {
  first: number;
  count: number;
  rows: Float64Array;
  out: Record<string, FloatTensor>;
}

/** Forecast rows per block: enough for a trade or a flat stretch, never so many that a wrong forecast costs much. */
const MIN_SPAN = 8;
const MAX_SPAN = 128;

/**
 * One model of the chain: takes feature rows (row-major float64), scales them
 * as the manifest says, runs them in ONE batched call, and reads each row's
 * result as the manifest's heads declare.
 */
export class ModelStage {
  private scratch = new Float32Array(0);
  readonly width: number;
  private block: Block | null = null;
  private blockRows = new Float64Array(0);
  /** Block rows to ask for next: twice the bars the last block answered. */
  private span = 16;
  private answered = 0;
  /** Off once the model's outputs are not one row per input row, or a row alone differs from it in a block. */
  private forecasting: boolean;
  private checked = false;

  constructor(readonly model: LoadedModel) {
    this.width = model.manifest.input.shape[1];
    this.forecasting = model.forecast !== undefined;
  }

  /** The outputs for these rows: from the block that forecast them when it did (no wait), else a run. */
  private outputs(rows: Float64Array): Record<string, FloatTensor> | Promise<Record<string, FloatTensor>> {
    if (!this.forecasting || rows.length !== this.width) return this.runRows(rows);
    const bar = this.model.forecast!.current();
    if (bar < 0) return this.runRows(rows);
    const b = this.block;
    if (b && bar > b.first && bar < b.first + b.count && sameRow(rows, b.rows, (bar - b.first) * this.width)) {
      this.answered++;
      return rowOf(b.out, bar - b.first, b.count);
    }
    return this.runAhead(bar, rows);
  }

  /** A one-row run with the next bars' forecast rows: one block, answering them later. */
  private async runAhead(bar: number, row: Float64Array): Promise<Record<string, FloatTensor>> {
    const W = this.width;
    const b = this.block;
    if (b) this.span = Math.min(MAX_SPAN, Math.max(MIN_SPAN, 2 * (this.answered + 1)));
    this.answered = 0;
    this.block = null;
    // One buffer for every block: the block it held is over once a new one is built.
    if (this.blockRows.length < this.span * W) this.blockRows = new Float64Array(MAX_SPAN * W);
    const rows = this.blockRows;
    rows.set(row);
    let count = 1;
    let out: Record<string, FloatTensor>;
    try {
      count += this.model.forecast!.ahead(bar, this.span - 1, rows, W);
      out = await this.runRows(rows.subarray(0, count * W));
    } catch {
      // Only the row asked for may decide what a failure says: run it alone, as without a forecast.
      this.forecasting = false;
      return this.runRows(row);
    }
    if (!Object.values(out).every((t) => t.dims[0] === count && t.data.length % count === 0)) {
      this.forecasting = false;
      return count === 1 ? out : this.runRows(row);
    }
    if (!this.checked && count > 1) {
      // Once per stage: the first row alone must give what the block gave it (a runtime whose kernels
      // depended on the batch size would differ on nearly every row), else no more blocks.
      this.checked = true;
      const alone = await this.runRows(row);
      const first = rowOf(out, 0, count);
      if (!Object.keys(first).every((name) => alone[name] && sameRow(alone[name].data, first[name].data, 0) && alone[name].data.length === first[name].data.length)) {
        this.forecasting = false;
        return alone;
      }
    }
    this.block = { first: bar, count, rows, out };
    return rowOf(out, 0, count);
  }

  private async runRows(rows: Float64Array): Promise<Record<string, FloatTensor>> {
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
    const t = this.output(await this.outputs(rows), o.output);
    return perRow(rows.length / this.width, (r) => readAlpha(o, t, r));
  }

  async risk(rows: Float64Array): Promise<RiskReading[]> {
    const o = this.model.manifest.outputs;
    if (o.kind !== 'heads' && o.kind !== 'tensor') throw new ModelOutputError(`model ${this.model.id} is not a risk model`);
    const t = await this.outputs(rows);
    return perRow(rows.length / this.width, (r) => readRisk(o, t, r));
  }

  async guard(rows: Float64Array): Promise<number[]> {
    const o = this.model.manifest.outputs;
    if (o.kind !== 'allow-probability') throw new ModelOutputError(`model ${this.model.id} is not a guard model`);
    const t = this.output(await this.outputs(rows), o.output);
    return perRow(rows.length / this.width, (r) => readGuard(o, t, r));
  }
}

/** f(0), ..., f(n - 1): a loop, not Array.from's iteration protocol (one row on nearly every call). */
function perRow<T>(n: number, f: (r: number) => T): T[] {
  const out = new Array<T>(n);
  for (let r = 0; r < n; r++) out[r] = f(r);
  return out;
}

/** Row r of every output of a block of `count` rows, as a one-row result. */
function rowOf(out: Record<string, FloatTensor>, r: number, count: number): Record<string, FloatTensor> {
  const one: Record<string, FloatTensor> = {};
  for (const name in out) {
    const t = out[name];
    const w = t.data.length / count;
    one[name] = { data: t.data.subarray(r * w, r * w + w), dims: [1, ...t.dims.slice(1)] };
  }
  return one;
}

/** Bit for bit (Object.is: -0 is not 0, NaN is NaN), row against rows[o..]. */
function sameRow(row: ArrayLike<number>, rows: ArrayLike<number>, o: number): boolean {
  for (let j = 0; j < row.length; j++) if (!Object.is(row[j], rows[o + j])) return false;
  return true;
}

function isFloat(t: OutputTensor): t is OutputTensor & { data: Float32Array | Float64Array } {
  return t.data instanceof Float32Array || t.data instanceof Float64Array;
}
