import type { Bar } from '../../market/bar.ts';
import { CONTEXT_FIELDS, type FeatureSpec, type Kernel, type TradeContext } from './spec.ts';
import { buildFeatureMatrix, inputPlaces, type BarColumns } from './batch-builder.ts';
import { BatchWorkspace } from './batch-workspace.ts';
import { StreamingFeatureBuilder } from './streaming-builder.ts';

/** What an agent reads its observation through, bar after bar: the streaming builder, or in a backtest SeriesFeatureRows. */
export type FeatureRows = Pick<StreamingFeatureBuilder, 'update' | 'setContext' | 'vector' | 'allFinite' | 'nonFinite'>;

/** One column per CONTEXT_FIELDS entry, in that order: the context of each requested row. */
export type ContextBlock = readonly Float64Array[];

/**
 * Rows of a whole series built once, with any bar's trade context set afterwards: what a
 * backtest needs to tell the observations of coming bars before it gets there. The market
 * features come from one batch build (context 0); a block of rows with a given context
 * reruns only the features that read the context, on the build's own input columns, so
 * each row is the batch builder's row for that context, as the streaming builder's is.
 */
export class ContextRows {
  readonly width: number;
  readonly rows: number;

  private constructor(
    private readonly base: Float64Array,
    width: number,
    /** The build's input columns and where each slot's column starts (null: the context enters no feature). */
    private readonly X: Float64Array | null,
    private readonly contextAt: readonly number[],
    private readonly kernels: readonly { column: number; kernel: Kernel }[],
  ) {
    this.width = width;
    this.rows = base.length / width;
  }

  /**
   * The spec's rows over a series, or null when the context reaches the features some other
   * way than the context kernels (a lagged context, a derived series reading it): those rows
   * could only be built bar by bar.
   */
  static build(spec: FeatureSpec, series: BarColumns): ContextRows | null {
    const F = spec.features.length;
    const n = series.time.length;
    if (spec.program) return new ContextRows(buildFeatureMatrix(spec, series).values, F, null, [], []);
    const L = spec.layout;
    const isContext = (name: string) => L.slots[L.index(name)].kind === 'context';
    if (L.slots.some((s) => s.kind === 'lag' && L.slots[s.base!].kind === 'context')) return null;
    let seriesReadsContext = false;
    for (const s of L.series) s.build((name) => ((seriesReadsContext ||= isContext(name)), 0));
    if (seriesReadsContext) return null;
    const workspace = new BatchWorkspace();
    const base = buildFeatureMatrix(spec, series, undefined, { workspace }).values;
    const { at, size } = inputPlaces(L, n);
    // The build's columns are left in the workspace: the context columns are rewritten per block below.
    const X = workspace.inputs(size);
    const kernels = spec.features.flatMap((f, j) => (f.uses.some(isContext) ? [{ column: j, kernel: f.build((name) => at[L.index(name)]) }] : []));
    return new ContextRows(base, F, kernels.length ? X : null, Array.from(L.contextSlots, (s) => at[s]), kernels);
  }

  /** Rows from..from+m-1 with the context of row k in context[f][k] into out, row-major from `o`. */
  write(from: number, m: number, context: ContextBlock, out: Float64Array, o: number): void {
    const F = this.width;
    // Loops, not set(subarray): a backtest writes one row per bar, and each view is an allocation.
    const base = this.base;
    for (let k = 0, b = from * F, end = (from + m) * F; b < end; ) out[o + k++] = base[b++];
    const X = this.X;
    if (!X) return;
    for (let f = 0; f < CONTEXT_FIELDS.length; f++) {
      const c = context[f];
      const at = this.contextAt[f] + from;
      for (let k = 0; k < m; k++) X[at + k] = c[k];
    }
    const x = X.subarray(from);
    for (const { column, kernel } of this.kernels) kernel(x, m, out, o + column, F);
  }
}

/**
 * A backtest's feature builder: the rows of its series from ContextRows, the k-th bar given
 * being the series' k-th bar, each with the context it comes with (several times faster
 * than computing every indicator bar by bar; the same values, as the batch builder's rows
 * are the streaming builder's). A bar that is not the series' next one (nothing in a
 * backtest does that) hands over to a streaming builder fed the series up to it: the
 * context enters no state (ContextRows.build refuses specs where it would).
 */
export class SeriesFeatureRows implements FeatureRows {
  private bar = -1;
  private readonly out: Float64Array;
  private readonly context: Float64Array[] = CONTEXT_FIELDS.map(() => new Float64Array(1));
  private streaming: StreamingFeatureBuilder | null = null;

  constructor(
    private readonly spec: FeatureSpec,
    private readonly rows: ContextRows,
    private readonly series: BarColumns,
  ) {
    this.out = new Float64Array(rows.width).fill(NaN);
  }

  update(bar: Bar, ctx?: TradeContext): void {
    if (this.streaming) return this.streaming.update(bar, ctx);
    const i = ++this.bar;
    const s = this.series;
    if (i < this.rows.rows && Object.is(bar.time, s.time[i]) && Object.is(bar.open, s.open[i]) && Object.is(bar.high, s.high[i]) && Object.is(bar.low, s.low[i]) && Object.is(bar.close, s.close[i]) && Object.is(bar.volume, s.volume[i])) return this.write(ctx);
    this.streaming = new StreamingFeatureBuilder(this.spec);
    for (let k = 0; k < i && k < this.rows.rows; k++) this.streaming.update({ time: s.time[k], open: s.open[k], high: s.high[k], low: s.low[k], close: s.close[k], volume: s.volume[k] });
    this.streaming.update(bar, ctx);
  }

  setContext(ctx?: TradeContext): void {
    if (this.streaming) return this.streaming.setContext(ctx);
    if (this.bar >= 0) this.write(ctx);
  }

  vector(): Float64Array {
    return this.streaming ? this.streaming.vector() : this.out;
  }

  nonFinite(): string[] {
    if (this.streaming) return this.streaming.nonFinite();
    return this.spec.features.flatMap((f, j) => (Number.isFinite(this.out[j]) ? [] : [f.name]));
  }

  allFinite(): boolean {
    if (this.streaming) return this.streaming.allFinite();
    for (let j = 0; j < this.out.length; j++) if (!Number.isFinite(this.out[j])) return false;
    return true;
  }

  /** The row of the current bar with this context (absent fields 0, as the streaming builder reads them). */
  private write(ctx: TradeContext | undefined): void {
    const c = this.context;
    c[0][0] = ctx?.direction ?? 0;
    c[1][0] = ctx?.openPositions ?? 0;
    c[2][0] = ctx?.drawdown ?? 0;
    c[3][0] = ctx?.positionSide ?? 0;
    c[4][0] = ctx?.entryPrice ?? 0;
    c[5][0] = ctx?.barsSinceEntry ?? 0;
    c[6][0] = ctx?.leverage ?? 0;
    c[7][0] = ctx?.lossStreak ?? 0;
    this.rows.write(this.bar, 1, c, this.out, 0);
  }
}
