/**
 * A fixed window per key (client address): at most `max` hits per `windowMs`.
 * Enough to make guessing a 256-bit token pointless and cheap to keep.
 */
export class RateLimiter {
  private readonly hits = new Map<string, { start: number; n: number }>();

  constructor(private readonly opts: { max: number; windowMs: number; now?: () => number }) {}

  /** Counts a hit; returns 0 when allowed, else the seconds until the window reopens. */
  hit(key: string): number {
    const now = this.opts.now?.() ?? Date.now();
    let w = this.hits.get(key);
    if (!w || now - w.start >= this.opts.windowMs) {
      w = { start: now, n: 0 };
      this.hits.set(key, w);
    }
    w.n++;
    if (this.hits.size > 10_000) this.prune(now);
    return w.n <= this.opts.max ? 0 : Math.max(1, Math.ceil((w.start + this.opts.windowMs - now) / 1000));
  }

  private prune(now: number): void {
    for (const [k, w] of this.hits) if (now - w.start >= this.opts.windowMs) this.hits.delete(k);
  }
}
