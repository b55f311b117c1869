/**
 * The indicator contract. Every indicator exists in two forms that give the
 * SAME numbers (bit for bit; the tests allow 1e-12):
 *  - batch: over whole Float64Array columns (backtests, training, imports),
 *    optionally into caller-provided output columns (see `IndicatorDef.batch`);
 *  - streaming: one bar at a time (live), with `replace` re-doing the still-forming last bar.
 * Outputs are NaN during warm-up.
 */

/** OHLCV columns a batch indicator reads (a BarSeries satisfies it). */
export interface OhlcvColumns {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export interface StreamingIndicator {
  /** Output column names, e.g. ['macd_12_26_9', 'macd_signal_12_26_9', 'macd_hist_12_26_9']. */
  readonly outputs: readonly string[];
  /** Index (0-based bar count - 1) of the first bar whose outputs are all finite. */
  readonly warmup: number;
  /** Appends a closed or new bar. */
  update(open: number, high: number, low: number, close: number, volume: number): void;
  /** Replaces the bar last given to `update` (the forming bar): the state becomes as if `update` had received this bar instead. */
  replace(open: number, high: number, low: number, close: number, volume: number): void;
  /** Output `k` (default 0) after the latest bar; NaN during warm-up. */
  value(k?: number): number;
  /** Back to the state before the first bar. */
  reset(): void;
}

/** One entry of the indicator registry: what `--set ema:9,macd:12:26:9` names. */
export interface IndicatorDef {
  /** Registry key, e.g. 'ema', 'macd', 'bb'. */
  key: string;
  /** Parameter names in `--set` order, e.g. ['fast', 'slow', 'signal']. */
  params: readonly string[];
  /** Default parameters (used when `--set ema` gives none). */
  defaults: readonly number[];
  /** Output column names for these parameters, e.g. ['bb_upper_20_2', ...]. */
  outputs(p: readonly number[]): string[];
  /** Bar index of the first all-finite output. */
  warmup(p: readonly number[]): number;
  /**
   * Batch form: one Float64Array per output, same length as the input.
   *
   * `out` (optional) are caller-provided output columns, one per output in
   * `outputs(p)` order, each of length >= the input's. When given, the results
   * are written into them (every entry of [0, input length) is overwritten,
   * NaN during warm-up; entries beyond are left untouched) and returned: the
   * arrays themselves, or `subarray` views of their first input-length entries
   * when longer. A missing or too short `out[k]` throws a RangeError. Without
   * `out`, fresh arrays are allocated. Intermediate scratch (window rings,
   * max/min blocks) is O(period) and cached per kernel, so a steady-state batch
   * run with `out` allocates no per-bar memory: on large inputs, allocating and
   * first-touching a fresh 8 MB column costs more than most kernels themselves.
   * The values are the same with or without `out`. Do not pass an input column
   * as an output.
   */
  batch(cols: OhlcvColumns, p: readonly number[], out?: readonly Float64Array[]): Float64Array[];
  /** Streaming form. */
  stream(p: readonly number[]): StreamingIndicator;
}
