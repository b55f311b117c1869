import { emptySeries, type BarSeries } from './bar.ts';

/**
 * `incoming` merged into `stored` by time: a bar at a time already stored
 * replaces it (a re-import corrects), everything else interleaves in time order.
 */
export function mergeSeries(stored: BarSeries | null, incoming: BarSeries): BarSeries {
  if (!stored || stored.time.length === 0) return incoming;
  const a = stored;
  const b = incoming;
  // Fast path: pure append, the common case for live bars and chunked imports.
  if (b.time.length === 0) return a;
  if (b.time[0] > a.time[a.time.length - 1]) return concat(a, b);
  const out = emptySeries(a.symbol, a.timeframe, a.time.length + b.time.length);
  let i = 0;
  let j = 0;
  let k = 0;
  const take = (s: BarSeries, x: number) => {
    out.time[k] = s.time[x];
    out.open[k] = s.open[x];
    out.high[k] = s.high[x];
    out.low[k] = s.low[x];
    out.close[k] = s.close[x];
    out.volume[k] = s.volume[x];
    k++;
  };
  while (i < a.time.length || j < b.time.length) {
    if (j >= b.time.length || (i < a.time.length && a.time[i] < b.time[j])) take(a, i++);
    else {
      if (i < a.time.length && a.time[i] === b.time[j]) i++;
      take(b, j++);
    }
  }
  return sliceCopy(out, k);
}

function concat(a: BarSeries, b: BarSeries): BarSeries {
  const out = emptySeries(a.symbol, a.timeframe, a.time.length + b.time.length);
  for (const key of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) {
    out[key].set(a[key], 0);
    out[key].set(b[key], a.time.length);
  }
  return out;
}

function sliceCopy(s: BarSeries, n: number): BarSeries {
  return { symbol: s.symbol, timeframe: s.timeframe, time: s.time.slice(0, n), open: s.open.slice(0, n), high: s.high.slice(0, n), low: s.low.slice(0, n), close: s.close.slice(0, n), volume: s.volume.slice(0, n) };
}

/** Index of the first bar with time >= t (binary search). */
export function lowerBound(time: Float64Array, t: number): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
