import type uPlot from 'uplot';
import { decimateMinMax, visibleIndexRange } from './decimate.ts';
import { CHART, themedAxis, timeAxis } from './theme.ts';
import type { ZoomableSpec } from './zoomable.ts';
import type { XRange } from './zoom.ts';

export type Column = Float64Array | number[];

/** The equity chart's columns: drawdown already negated, so its area hangs below zero. */
export interface EquityColumns {
  time: Column;
  equity: Column;
  negDrawdown: Float64Array;
}

export function negate(xs: Column): Float64Array {
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = -xs[i];
  return out;
}

const money = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 0 });

export function equityFullRange(time: Column): XRange {
  return time.length ? { min: time[0], max: time.length > 1 ? time[time.length - 1] : time[0] + 1 } : { min: 0, max: 1 };
}

/** uPlot options of the equity chart: equity on the left scale, drawdown % on the right. */
export function equityOptions(width: number, height: number): uPlot.Options {
  return {
    width,
    height,
    ms: 1,
    legend: { show: false },
    cursor: { drag: { x: true, y: false, setScale: true } },
    scales: { x: { time: true }, eq: { auto: true }, dd: { auto: true, range: (_u, min) => [Math.min(min, -0.01) * 1.05, 0] } },
    series: [
      {},
      { label: 'Equity', scale: 'eq', stroke: CHART.equity, width: 1.5, points: { show: false } },
      { label: 'Drawdown %', scale: 'dd', stroke: CHART.drawdown, width: 1, fill: CHART.drawdownFill, points: { show: false } },
    ],
    axes: [
      timeAxis(),
      themedAxis({ scale: 'eq', values: (_u, vals) => vals.map(money), size: 64 }),
      themedAxis({ scale: 'dd', side: 1, grid: { show: false }, values: (_u, vals) => vals.map((v) => `${(-v).toFixed(1)} %`), size: 56 }),
    ],
  };
}

/**
 * The equity chart for ZoomableChart: what EquityChart.tsx mounts and the
 * chart bench measures. Only the visible window, min/max-decimated to the
 * plot's pixel columns, ever reaches uPlot.
 */
export function equitySpec(cols: () => EquityColumns, extra: Partial<Pick<ZoomableSpec, 'onDraw' | 'onView'>> = {}): ZoomableSpec {
  return {
    options: equityOptions,
    full: () => equityFullRange(cols().time),
    data: (view, columns) => {
      const c = cols();
      const [from, to] = visibleIndexRange(c.time, view.min, view.max);
      const d = decimateMinMax(c.time, [c.equity, c.negDrawdown], from, to, columns);
      return [d.x, d.ys[0], d.ys[1]];
    },
    ...extra,
  };
}
