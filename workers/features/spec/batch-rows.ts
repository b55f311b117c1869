import { CONTEXT_FIELDS, type FeatureSpec, type Kernel } from './spec.ts';
import { buildFeatureMatrix, inputPlaces, type BarColumns } from './batch-builder.ts';
import { BatchWorkspace } from './batch-workspace.ts';

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
    out.set(this.base.subarray(from * F, (from + m) * F), o);
    const X = this.X;
    if (!X) return;
    for (let f = 0; f < CONTEXT_FIELDS.length; f++) X.set(context[f].subarray(0, m), this.contextAt[f] + from);
    const x = X.subarray(from);
    for (const { column, kernel } of this.kernels) kernel(x, m, out, o + column, F);
  }
}
