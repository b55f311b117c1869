import { describe, expect, it } from 'vitest';
import { aggregateOhlc, decimateMinMax, lowerBound, upperBound, visibleIndexRange } from '../../app/charts/decimate.ts';
import { seededRandom } from '../../bench/lib.ts';

/** A random walk with a few planted spikes, on irregular x (gaps like weekends). */
function walk(n: number, seed = 7) {
  const rnd = seededRandom(seed);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let t = 0;
  let v = 100;
  for (let i = 0; i < n; i++) {
    t += rnd() < 0.01 ? 50 : 1;
    v += rnd() - 0.5;
    x[i] = t;
    y[i] = v;
  }
  return { x, y };
}

/** Min and max of y over the points whose x falls in column c of `cols` over [x0, x1]. */
function columnExtremes(x: ArrayLike<number>, y: ArrayLike<number>, cols: number, x0: number, x1: number) {
  const lo = new Array<number>(cols).fill(Infinity);
  const hi = new Array<number>(cols).fill(-Infinity);
  for (let i = 0; i < x.length; i++) {
    const c = Math.min(cols - 1, Math.floor(((x[i] - x0) / (x1 - x0)) * cols));
    lo[c] = Math.min(lo[c], y[i]);
    hi[c] = Math.max(hi[c], y[i]);
  }
  return { lo, hi };
}

describe('decimateMinMax', () => {
  it('keeps every pixel column\'s lowest and highest value, the first and last point, in x order', () => {
    const { x, y } = walk(200_000);
    y[123_456] = 1e6; // a spike a stride would drop
    y[7] = -1e6;
    const cols = 800;
    const d = decimateMinMax(x, [y], 0, x.length, cols);
    expect(d.x.length).toBeLessThanOrEqual(2 * cols + 2);
    expect(d.x.length).toBeGreaterThan(cols);
    for (let i = 1; i < d.x.length; i++) expect(d.x[i]).toBeGreaterThan(d.x[i - 1]);
    expect(d.x[0]).toBe(x[0]);
    expect(d.x[d.x.length - 1]).toBe(x[x.length - 1]);
    expect(Math.max(...d.ys[0])).toBe(1e6);
    expect(Math.min(...d.ys[0])).toBe(-1e6);
    // Column by column, the envelope is the same as the full data's (interior points only: first/last are extra).
    const inner = (a: Float64Array) => a.subarray(1, a.length - 1);
    const full = columnExtremes(x.subarray(1, -1), y.subarray(1, -1), cols, x[0], x[x.length - 1]);
    const kept = columnExtremes(inner(d.x), inner(d.ys[0]), cols, x[0], x[x.length - 1]);
    expect(kept.lo).toEqual(full.lo);
    expect(kept.hi).toEqual(full.hi);
  });

  it('every kept point is a real point of the input, with all series read at the same index', () => {
    const { x, y } = walk(50_000, 3);
    const z = y.map((v) => -2 * v);
    const d = decimateMinMax(x, [y, z], 0, x.length, 300);
    for (let i = 0; i < d.x.length; i++) {
      const idx = lowerBound(x, d.x[i]);
      expect(x[idx]).toBe(d.x[i]);
      expect(d.ys[0][i]).toBe(y[idx]);
      expect(d.ys[1][i]).toBe(z[idx]);
    }
    // The second series' extremes are kept too (its max is the first's min).
    expect(Math.max(...d.ys[1])).toBe(Math.max(...z));
    expect(Math.min(...d.ys[1])).toBe(Math.min(...z));
  });

  it('works on a sub-range and copies ranges that already fit', () => {
    const { x, y } = walk(10_000, 5);
    const small = decimateMinMax(x, [y], 100, 150, 800);
    expect(Array.from(small.x)).toEqual(Array.from(x.subarray(100, 150)));
    expect(Array.from(small.ys[0])).toEqual(Array.from(y.subarray(100, 150)));
    const part = decimateMinMax(x, [y], 2_000, 9_000, 100);
    expect(part.x[0]).toBe(x[2_000]);
    expect(part.x[part.x.length - 1]).toBe(x[8_999]);
    expect(Math.max(...part.ys[0])).toBe(Math.max(...y.subarray(2_000, 9_000)));
    expect(Math.min(...part.ys[0])).toBe(Math.min(...y.subarray(2_000, 9_000)));
  });

  it('ignores NaN when choosing extremes', () => {
    const x = Float64Array.from({ length: 1000 }, (_, i) => i);
    const y = Float64Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? NaN : Math.sin(i)));
    const d = decimateMinMax(x, [y], 0, 1000, 10);
    const inner = Array.from(d.ys[0].subarray(1, -1));
    expect(inner.some((v) => Number.isNaN(v))).toBe(false);
  });
});

describe('visibleIndexRange', () => {
  it('covers the window plus one point either side', () => {
    const x = Float64Array.from([0, 10, 20, 30, 40, 50]);
    expect(lowerBound(x, 20)).toBe(2);
    expect(upperBound(x, 20)).toBe(3);
    expect(visibleIndexRange(x, 15, 35)).toEqual([1, 5]);
    expect(visibleIndexRange(x, 20, 30)).toEqual([1, 5]);
    expect(visibleIndexRange(x, -100, 100)).toEqual([0, 6]);
    expect(visibleIndexRange(x, 60, 70)).toEqual([5, 6]);
  });
});

describe('aggregateOhlc', () => {
  it('merges bars into column candles: first open, highest high, lowest low, last close', () => {
    const n = 10;
    const bars = {
      time: Float64Array.from({ length: n }, (_, i) => i * 60),
      open: Float64Array.from({ length: n }, (_, i) => 10 + i),
      high: Float64Array.from({ length: n }, (_, i) => 20 + (i === 3 ? 50 : i)),
      low: Float64Array.from({ length: n }, (_, i) => 5 - (i === 8 ? 4 : 0)),
      close: Float64Array.from({ length: n }, (_, i) => 11 + i),
    };
    const a = aggregateOhlc(bars, 0, n, 2);
    expect(Array.from(a.time)).toEqual([0, 300]);
    expect(Array.from(a.open)).toEqual([10, 15]);
    expect(Array.from(a.high)).toEqual([70, 29]);
    expect(Array.from(a.low)).toEqual([5, 1]);
    expect(Array.from(a.close)).toEqual([15, 20]);
    const same = aggregateOhlc(bars, 2, 6, 100);
    expect(Array.from(same.open)).toEqual([12, 13, 14, 15]);
  });
});
