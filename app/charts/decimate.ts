/**
 * Screen-width decimation. A canvas cannot show more than one value per pixel
 * column, so handing uPlot a million points wastes the frame budget on points
 * that land on top of each other. Keeping each column's lowest and highest
 * point (in time order) draws the same envelope: spikes and drawdown troughs
 * survive, which a stride or average would smooth away.
 */

/** Index of the first x >= v in sorted `x` (x.length when none). */
export function lowerBound(x: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first x > v in sorted `x` (x.length when none). */
export function upperBound(x: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The index range to draw for an x window: the points inside it plus one on
 * each side, so lines run to the plot's edges instead of stopping short.
 */
export function visibleIndexRange(x: ArrayLike<number>, min: number, max: number): [from: number, to: number] {
  const from = Math.max(0, lowerBound(x, min) - 1);
  const to = Math.min(x.length, upperBound(x, max) + 1);
  return [from, Math.max(from, to)];
}

export interface Decimated {
  x: Float64Array;
  /** One column per input series, aligned with `x`. */
  ys: Float64Array[];
}

/**
 * Points [from, to) of sorted `x` and its aligned series, reduced to at most
 * 2 x series x `columns` + 2 points. For every pixel column (equal slices of the
 * x span) the points holding each series' minimum and maximum are kept, with
 * all series' values at those points, in their original order; the first and
 * last points always stay. NaN values are ignored when choosing extremes.
 * Ranges that already fit are copied as they are.
 */
export function decimateMinMax(x: ArrayLike<number>, ys: readonly ArrayLike<number>[], from: number, to: number, columns: number): Decimated {
  const n = Math.max(0, to - from);
  const cols = Math.max(1, Math.floor(columns));
  const perColumn = 2 * Math.max(1, ys.length);
  if (n <= perColumn * cols + 2) return copyRange(x, ys, from, to);

  // Typed columns keep the scan loop monomorphic (one machine-code path, optimised early).
  const yf = ys.map((y) => (y instanceof Float64Array ? y : Float64Array.from(y)));
  const keep = new Int32Array(perColumn * cols + 2);
  let k = 0;
  keep[k++] = from;
  const last = to - 1;
  const x0 = x[from];
  const span = x[last] - x0;
  const picks = new Int32Array(perColumn);
  // Column c holds the interior points with x in [x0 + c*span/cols, x0 + (c+1)*span/cols); found by binary search, not per point.
  let a = from + 1;
  for (let c = 0; c < cols && a < last; c++) {
    const b = c === cols - 1 || !(span > 0) ? last : Math.max(a, Math.min(last, lowerBoundIn(x, x0 + ((c + 1) * span) / cols, a, last)));
    if (b === a) continue;
    let m = 0;
    for (let s = 0; s < yf.length; s++) m = minMaxIndex(yf[s], a, b, picks, m);
    // A column whose values are all NaN still marks the gap.
    if (m === 0) picks[m++] = a;
    sortSmall(picks, m);
    for (let p = 0; p < m; p++) if (p === 0 || picks[p] !== picks[p - 1]) keep[k++] = picks[p];
    a = b;
  }
  if (last > from) keep[k++] = last;

  const outX = new Float64Array(k);
  const outYs = yf.map(() => new Float64Array(k));
  for (let p = 0; p < k; p++) {
    const idx = keep[p];
    outX[p] = x[idx];
    for (let s = 0; s < yf.length; s++) outYs[s][p] = yf[s][idx];
  }
  return { x: outX, ys: outYs };
}

/** First index in [lo, hi) with x >= v (hi when none). */
function lowerBoundIn(x: ArrayLike<number>, v: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Appends the indices of y's minimum and maximum over [a, b) to `out` at `m`; NaN never compares, so it is skipped. */
function minMaxIndex(y: Float64Array, a: number, b: number, out: Int32Array, m: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  let li = -1;
  let hiIdx = -1;
  for (let j = a; j < b; j++) {
    const v = y[j];
    if (v < lo) {
      lo = v;
      li = j;
    }
    if (v > hi) {
      hi = v;
      hiIdx = j;
    }
  }
  if (li >= 0) out[m++] = li;
  if (hiIdx >= 0) out[m++] = hiIdx;
  return m;
}

function sortSmall(a: Int32Array, m: number): void {
  for (let i = 1; i < m; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

function copyRange(x: ArrayLike<number>, ys: readonly ArrayLike<number>[], from: number, to: number): Decimated {
  const n = Math.max(0, to - from);
  const outX = new Float64Array(n);
  const outYs = ys.map(() => new Float64Array(n));
  for (let p = 0; p < n; p++) {
    outX[p] = x[from + p];
    for (let s = 0; s < ys.length; s++) outYs[s][p] = ys[s][from + p];
  }
  return { x: outX, ys: outYs };
}

export interface OhlcColumns {
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

/**
 * Candles [from, to) merged into at most `columns` candles, one per pixel
 * column: first open, highest high, lowest low, last close, at the first bar's
 * time. What a zoomed-out candle chart can show without overdrawing.
 */
export function aggregateOhlc(bars: OhlcColumns, from: number, to: number, columns: number): OhlcColumns {
  const n = Math.max(0, to - from);
  const cols = Math.max(1, Math.floor(columns));
  const per = Math.ceil(n / cols);
  if (per <= 1) {
    return {
      time: bars.time.slice(from, to),
      open: bars.open.slice(from, to),
      high: bars.high.slice(from, to),
      low: bars.low.slice(from, to),
      close: bars.close.slice(from, to),
    };
  }
  const m = Math.ceil(n / per);
  const out: OhlcColumns = { time: new Float64Array(m), open: new Float64Array(m), high: new Float64Array(m), low: new Float64Array(m), close: new Float64Array(m) };
  for (let c = 0; c < m; c++) {
    const a = from + c * per;
    const b = Math.min(to, a + per);
    let hi = -Infinity;
    let lo = Infinity;
    for (let i = a; i < b; i++) {
      if (bars.high[i] > hi) hi = bars.high[i];
      if (bars.low[i] < lo) lo = bars.low[i];
    }
    out.time[c] = bars.time[a];
    out.open[c] = bars.open[a];
    out.high[c] = hi;
    out.low[c] = lo;
    out.close[c] = bars.close[b - 1];
  }
  return out;
}
