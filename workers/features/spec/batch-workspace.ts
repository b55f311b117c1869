/**
 * The input columns of a batch build (bar and context copies, lags, derived
 * series, indicator outputs: one slot-major array), kept for the next build. A
 * sweep or a walk-forward builds the same spec again and again; on a million
 * bars that array is some 450 MB, and allocating and first-touching it costs
 * about as much as computing it. One workspace per caller, used by one build at
 * a time (builds are synchronous); it holds its memory until it is dropped.
 */
export class BatchWorkspace {
  private buf = new Float64Array(0);

  /** `size` doubles: the array of the last build when it is large enough, else a new one. Its contents are stale: the build overwrites every entry it reads. */
  inputs(size: number): Float64Array {
    if (this.buf.length < size) this.buf = new Float64Array(size);
    return this.buf.length === size ? this.buf : this.buf.subarray(0, size);
  }
}
