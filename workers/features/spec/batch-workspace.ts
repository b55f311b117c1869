/**
 * The columns a batch build needs besides its output (derived series, indicator
 * outputs, an all-zero context column), kept for the next build. A sweep or a
 * walk-forward builds the same spec over series of one length again and again;
 * on a million bars these are some thirty 8 MB columns, and allocating and
 * first-touching them costs about as much as computing them. One workspace per
 * caller, used by one build at a time (builds are synchronous); it holds its
 * columns until it is dropped.
 */
export class BatchWorkspace {
  private readonly columns = new Map<number, Float64Array>();
  private zero: Float64Array = new Float64Array(0);

  /** Column number `key` of length n: the one from the last build when the length matches, else a new one. Its contents are stale: the build overwrites every entry. */
  column(key: number, n: number): Float64Array {
    let c = this.columns.get(key);
    if (c === undefined || c.length !== n) {
      c = new Float64Array(n);
      this.columns.set(key, c);
    }
    return c;
  }

  /** n zeros, shared by every context field the caller left out; nobody writes into it. */
  zeros(n: number): Float64Array {
    if (this.zero.length !== n) this.zero = new Float64Array(n);
    return this.zero;
  }
}
