/**
 * The recent windows model health keeps: fixed-size rings, so memory stays bounded however
 * long an agent runs, and the figures describe the latest N samples rather than all history.
 */

/** Per feature, the bins of the last `size` feature vectors, with counts kept as they slide. */
export class BinWindow {
  private readonly ring: Int8Array;
  private readonly counts: Int32Array[];
  private n = 0;

  constructor(readonly size: number, binsPerFeature: readonly number[]) {
    this.ring = new Int8Array(size * binsPerFeature.length).fill(-1);
    this.counts = binsPerFeature.map((b) => new Int32Array(b));
  }

  /** One vector's bin per feature (-1: not measured for this feature). */
  push(bins: Int8Array): void {
    const F = this.counts.length;
    const at = (this.n % this.size) * F;
    for (let k = 0; k < F; k++) {
      const old = this.ring[at + k];
      if (old >= 0) this.counts[k][old]--;
      const b = bins[k];
      this.ring[at + k] = b;
      if (b >= 0) this.counts[k][b]++;
    }
    this.n++;
  }

  /** Live counts per bin of feature k over the window. */
  countsOf(k: number): Int32Array {
    return this.counts[k];
  }
}

/** The last `size` labelled predictions: probability, whether the event happened, whether the call was right (-1: not a call). */
export class OutcomeWindow {
  readonly p: Float64Array;
  readonly y: Uint8Array;
  readonly hit: Int8Array;
  private n = 0;

  constructor(readonly size: number) {
    this.p = new Float64Array(size);
    this.y = new Uint8Array(size);
    this.hit = new Int8Array(size);
  }

  push(p: number, y: 0 | 1, hit: -1 | 0 | 1): void {
    const i = this.n % this.size;
    this.p[i] = p;
    this.y[i] = y;
    this.hit[i] = hit;
    this.n++;
  }

  /** Samples held (at most `size`). */
  get length(): number {
    return Math.min(this.n, this.size);
  }
}

/** The last `size` yes/no flags (a guard's blocks), with the all-time tally beside. */
export class FlagWindow {
  private readonly ring: Uint8Array;
  private n = 0;
  private inWindow = 0;
  total = 0;
  totalSet = 0;

  constructor(readonly size: number) {
    this.ring = new Uint8Array(size);
  }

  push(flag: boolean): void {
    const i = this.n % this.size;
    if (this.n >= this.size) this.inWindow -= this.ring[i];
    this.ring[i] = flag ? 1 : 0;
    this.inWindow += this.ring[i];
    this.n++;
    this.total++;
    if (flag) this.totalSet++;
  }

  get length(): number {
    return Math.min(this.n, this.size);
  }

  get set(): number {
    return this.inWindow;
  }
}
