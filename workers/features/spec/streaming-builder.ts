import type { Bar } from '../../market/bar.ts';
import type { StreamingIndicator } from '../indicators/types.ts';
import type { FeatureProgram, FeatureSpec, Kernel, TradeContext } from './spec.ts';
import { indicatorDef } from './indicator-source.ts';
import { buildKernels } from './define.ts';

/**
 * Live form of a spec: one bar at a time, no allocation per bar. Holds the
 * streaming indicators and, for every lagged slot, a ring buffer of its recent
 * values; each bar fills the input vector the batch builder would fill and runs
 * the same feature kernels on it, so `vector()` equals the batch row exactly.
 */
export class StreamingFeatureBuilder {
  readonly spec: FeatureSpec;
  readonly names: readonly string[];
  private readonly x: Float64Array;
  private readonly out: Float64Array;
  /** The batch builder's kernels, built for a block of one bar: the input vector itself. */
  private readonly kernels: Kernel[];
  /** The first feature each kernel writes. */
  private readonly firsts: Int32Array;
  private readonly seriesKernels: Kernel[];
  private readonly seriesSlots: Int32Array;
  private readonly streams: StreamingIndicator[];
  /** History of every slot some lag reads, indexed by slot (empty when none). */
  private readonly rings: Float64Array[];
  private readonly ringMask: Int32Array;
  private readonly earlyBases: Int32Array;
  private readonly lateBases: Int32Array;
  /** For lag slots: the slot lagged and by how much (typed copies of the layout, read every bar). */
  private readonly lagBase: Int32Array;
  private readonly lagBy: Int32Array;
  /** The last bar, kept (copied, not referenced) so `setContext` can redo it. */
  private readonly last: Bar = { time: NaN, open: NaN, high: NaN, low: NaN, close: NaN, volume: NaN };
  private bars = 0;
  /** A custom spec's own evaluator (null for a slot-and-kernel spec). */
  private custom: ReturnType<FeatureProgram['stream']> | null = null;

  constructor(spec: FeatureSpec) {
    const L = spec.layout;
    this.spec = spec;
    this.names = spec.features.map((f) => f.name);
    this.x = new Float64Array(L.slots.length);
    this.out = new Float64Array(spec.features.length);
    // A custom spec has no kernels: its program computes the vector (see update).
    this.kernels = spec.program ? [] : buildKernels(L, spec.passes.map((p) => p.build), 1);
    this.firsts = Int32Array.from(spec.program ? [] : spec.passes, (p) => p.first);
    this.seriesKernels = buildKernels(L, L.series.map((s) => s.build), 1);
    this.seriesSlots = Int32Array.from(L.series.map((s) => s.slot));
    this.streams = L.indicators.map((ind) => indicatorDef(ind.key).stream(ind.params));

    const maxLag = new Int32Array(L.slots.length);
    this.lagBase = new Int32Array(L.slots.length);
    this.lagBy = new Int32Array(L.slots.length);
    for (const s of [...L.earlyLags, ...L.lateLags]) {
      const b = L.slots[s].base!;
      this.lagBase[s] = b;
      this.lagBy[s] = L.slots[s].lag!;
      maxLag[b] = Math.max(maxLag[b], L.slots[s].lag!);
    }
    this.rings = [];
    this.ringMask = new Int32Array(L.slots.length);
    const empty = new Float64Array(0);
    for (let s = 0; s < L.slots.length; s++) {
      // Power-of-two rings: the bar index masked is the position, no modulo.
      const size = maxLag[s] > 0 ? 1 << Math.ceil(Math.log2(maxLag[s] + 1)) : 0;
      this.rings.push(size > 0 ? new Float64Array(size) : empty);
      this.ringMask[s] = size - 1;
    }
    const bases = (lags: Int32Array) => Int32Array.from(new Set([...lags].map((s) => L.slots[s].base!)));
    this.earlyBases = bases(L.earlyLags);
    this.lateBases = bases(L.lateLags);
    this.vectorFill();
    if (spec.program) this.custom = spec.program.stream();
  }

  /** Bars received so far. */
  get barCount(): number {
    return this.bars;
  }

  /** True once the spec's warm-up is over: every feature can be finite. */
  get ready(): boolean {
    return this.bars > this.spec.warmup;
  }

  /** Appends a new bar (closed, or the first tick of a forming one). */
  update(bar: Bar, ctx?: TradeContext): void {
    this.bars++;
    if (this.custom) {
      this.custom.update(bar);
      this.custom.read(this.out);
      return;
    }
    this.step(bar, ctx, false);
  }

  /** Redoes the bar last given to `update` (the forming bar) as if `update` had received this one. */
  replace(bar: Bar, ctx?: TradeContext): void {
    if (this.bars === 0) return this.update(bar, ctx);
    // The language's evaluators step on closed bars only, which is all the engine gives a model chain.
    if (this.custom) throw new Error(`feature spec ${this.spec.id} is written in the strategy language and is computed on closed bars only; a forming bar cannot be redone`);
    this.step(bar, ctx, true);
  }

  /** New context for the current bar (e.g. trying the other direction): the bar is redone with it. */
  setContext(ctx?: TradeContext): void {
    // A custom spec's features are market data only: the context changes none of them.
    if (this.custom) return;
    if (this.bars > 0) this.step(this.last, ctx, true);
  }

  /** The current feature vector. The SAME array every call: copy it to keep it. */
  vector(): Float64Array {
    return this.out;
  }

  /** Names of the features that are NaN or infinite now: a decision needing them must be skipped. */
  nonFinite(): string[] {
    const bad: string[] = [];
    for (let j = 0; j < this.out.length; j++) if (!Number.isFinite(this.out[j])) bad.push(this.names[j]);
    return bad;
  }

  /** Allocation-free check for the common path. */
  allFinite(): boolean {
    for (let j = 0; j < this.out.length; j++) if (!Number.isFinite(this.out[j])) return false;
    return true;
  }

  reset(): void {
    for (const s of this.streams) s.reset();
    for (const r of this.rings) r.fill(0);
    this.bars = 0;
    this.vectorFill();
    if (this.spec.program) this.custom = this.spec.program.stream();
  }

  private vectorFill(): void {
    this.x.fill(NaN);
    this.out.fill(NaN);
  }

  private step(bar: Bar, ctx: TradeContext | undefined, replace: boolean): void {
    const L = this.spec.layout;
    const x = this.x;
    const i = this.bars - 1;
    const last = this.last;
    if (bar !== last) {
      last.time = bar.time;
      last.open = bar.open;
      last.high = bar.high;
      last.low = bar.low;
      last.close = bar.close;
      last.volume = bar.volume;
    }
    const b = L.barSlots;
    x[b[0]] = bar.time;
    x[b[1]] = bar.open;
    x[b[2]] = bar.high;
    x[b[3]] = bar.low;
    x[b[4]] = bar.close;
    x[b[5]] = bar.volume;
    readContext(ctx, x, L.contextSlots);

    this.record(this.earlyBases, i);
    this.readLags(L.earlyLags, i);
    const sk = this.seriesKernels;
    for (let k = 0; k < sk.length; k++) sk[k](x, 1, x, this.seriesSlots[k], 1);

    const inds = L.indicators;
    for (let k = 0; k < inds.length; k++) {
      const ind = inds[k];
      const st = this.streams[k];
      const outs = ind.outSlots;
      if (ind.on < 0) {
        if (replace) st.replace(bar.open, bar.high, bar.low, bar.close, bar.volume);
        else st.update(bar.open, bar.high, bar.low, bar.close, bar.volume);
      } else if (i >= ind.start) {
        // Fed from the series' first finite value on, as the batch builder feeds it.
        const v = x[ind.on];
        if (replace) st.replace(v, v, v, v, v);
        else st.update(v, v, v, v, v);
      } else {
        for (let o = 0; o < outs.length; o++) x[outs[o]] = NaN;
        continue;
      }
      for (let o = 0; o < outs.length; o++) x[outs[o]] = st.value(o);
    }
    this.record(this.lateBases, i);
    this.readLags(L.lateLags, i);

    const ks = this.kernels;
    const firsts = this.firsts;
    const out = this.out;
    for (let p = 0; p < ks.length; p++) ks[p](x, 1, out, firsts[p], 1);
  }

  private record(bases: Int32Array, i: number): void {
    for (let k = 0; k < bases.length; k++) {
      const s = bases[k];
      this.rings[s][i & this.ringMask[s]] = this.x[s];
    }
  }

  private readLags(lags: Int32Array, i: number): void {
    for (let k = 0; k < lags.length; k++) {
      const s = lags[k];
      const j = i - this.lagBy[s];
      const base = this.lagBase[s];
      this.x[s] = j >= 0 ? this.rings[base][j & this.ringMask[base]] : NaN;
    }
  }
}

/**
 * Context fields by name, in CONTEXT_FIELDS order. Spelled out rather than
 * looped over the field names: a keyed load with a changing key is a slow
 * generic lookup, paid on every bar. The parity test (varied context, batch
 * reads by CONTEXT_FIELDS name) fails if this order ever drifts.
 */
function readContext(ctx: TradeContext | undefined, x: Float64Array, slots: Int32Array): void {
  if (ctx === undefined) {
    for (let k = 0; k < slots.length; k++) x[slots[k]] = 0;
    return;
  }
  x[slots[0]] = ctx.direction ?? 0;
  x[slots[1]] = ctx.openPositions ?? 0;
  x[slots[2]] = ctx.drawdown ?? 0;
  x[slots[3]] = ctx.positionSide ?? 0;
  x[slots[4]] = ctx.entryPrice ?? 0;
  x[slots[5]] = ctx.barsSinceEntry ?? 0;
  x[slots[6]] = ctx.leverage ?? 0;
  x[slots[7]] = ctx.lossStreak ?? 0;
}
