import { seededRandom } from '../workers/util/seeded-random.ts';
/**
 * A tiny benchmark kit. Every case reports its figure AND the same work done by
 * a named peer in the same run, so the ratio survives a slower or busier machine.
 */
export interface BenchRow {
  /** What is measured, e.g. 'EMA(14) batch, 1M bars'. */
  name: string;
  value: number;
  /** Unit of `value`, e.g. 'bars/s', 'µs/bar', 'ms'. */
  unit: string;
  /** True when more is better (throughput), false for latencies and sizes. */
  higherIsBetter: boolean;
  /** The peer measured in the same run, e.g. 'trading-signals FasterEMA'. */
  peer: string;
  peerValue: number;
  /** The target from the issue, e.g. '>= 20x trading-signals' (free text), and whether this run met it. */
  target?: string;
  targetMet?: boolean;
}

/** Ratio in the direction of "how many times better than the peer". */
export function advantage(r: BenchRow): number {
  return r.higherIsBetter ? r.value / r.peerValue : r.peerValue / r.value;
}

/**
 * Seconds one call of `fn` takes: the median of several timed batches after a
 * warm-up, each batch running long enough for the timer to be meaningful.
 */
export function secondsPerCall(fn: () => unknown, opts: { minBatchMs?: number; batches?: number } = {}): number {
  const minBatchMs = opts.minBatchMs ?? 200;
  const batches = opts.batches ?? 5;
  fn(); // warm-up: JIT and caches
  let calls = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    const ms = performance.now() - t0;
    if (ms >= minBatchMs / 4 || calls >= 1 << 24) break;
    calls *= 2;
  }
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    samples.push((performance.now() - t0) / 1000 / calls);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}


export { seededRandom };

/** A seeded random-walk OHLCV series of `n` hourly bars (FX-like prices around 1.1). */
export function syntheticBars(n: number, seed = 42) {
  const rnd = seededRandom(seed);
  const time = new Float64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  let p = 1.1;
  const t0 = Date.UTC(2015, 0, 5);
  for (let i = 0; i < n; i++) {
    const o = p;
    const c = o * (1 + (rnd() - 0.5) * 0.004);
    const h = Math.max(o, c) * (1 + rnd() * 0.001);
    const l = Math.min(o, c) * (1 - rnd() * 0.001);
    time[i] = t0 + i * 3_600_000;
    open[i] = o;
    high[i] = h;
    low[i] = l;
    close[i] = c;
    volume[i] = 500 + Math.floor(rnd() * 1500);
    p = c;
  }
  return { symbol: 'SYNTH', timeframe: 'H1' as const, time, open, high, low, close, volume };
}

/** The q-quantile (0..1) of samples, nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
