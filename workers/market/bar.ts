import type { Timeframe } from './timeframe.ts';

/** One OHLCV bar. `time` is the bar's OPEN time in ms UTC. Prices are bid prices where the source distinguishes. */
export interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * A series of bars in columnar form: what batch indicators, feature builders,
 * backtests and stores work on (a row per bar object is slow to build and to store).
 */
export interface BarSeries {
  symbol: string;
  timeframe: Timeframe;
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export function seriesLength(s: BarSeries): number {
  return s.time.length;
}

export function emptySeries(symbol: string, timeframe: Timeframe, length = 0): BarSeries {
  return {
    symbol,
    timeframe,
    time: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
  };
}

export function barAt(s: BarSeries, i: number): Bar {
  return { time: s.time[i], open: s.open[i], high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i] };
}

export function seriesFromBars(symbol: string, timeframe: Timeframe, bars: readonly Bar[]): BarSeries {
  const s = emptySeries(symbol, timeframe, bars.length);
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i];
    s.time[i] = b.time;
    s.open[i] = b.open;
    s.high[i] = b.high;
    s.low[i] = b.low;
    s.close[i] = b.close;
    s.volume[i] = b.volume;
  }
  return s;
}

/** Bars [from, to) as a view sharing memory with `s`. */
export function sliceSeries(s: BarSeries, from: number, to = s.time.length): BarSeries {
  return {
    symbol: s.symbol,
    timeframe: s.timeframe,
    time: s.time.subarray(from, to),
    open: s.open.subarray(from, to),
    high: s.high.subarray(from, to),
    low: s.low.subarray(from, to),
    close: s.close.subarray(from, to),
    volume: s.volume.subarray(from, to),
  };
}
