import type uPlot from 'uplot';
import { utcClock, utcDate } from '../../workers/util/utc-text.ts';

const DAY = 86_400_000;

/**
 * Labels of a time axis in 24-hour UTC and ISO order, whatever the browser's
 * locale (uPlot's own labels are US 12-hour: "12pm 4/19/17"). Ticks a month or
 * more apart show 'YYYY-MM', a day or more 'YYYY-MM-DD'; closer ticks show
 * 'HH:mm' (or 'HH:mm:ss' under a minute), with the date under the first tick
 * and under every tick where the day changes.
 */
export function timeAxisLabels(splits: readonly number[], incrMs: number): string[] {
  if (incrMs >= 28 * DAY) return splits.map((t) => utcDate(t).slice(0, 7));
  if (incrMs >= DAY) return splits.map(utcDate);
  let prevDay = '';
  return splits.map((t) => {
    const day = utcDate(t);
    const clock = incrMs < 60_000 ? new Date(t).toISOString().slice(11, 19) : utcClock(t);
    const label = day === prevDay ? clock : `${clock}\n${day}`;
    prevDay = day;
    return label;
  });
}

/** uPlot's `values` for an x axis on ms timestamps (`ms: 1`). */
export const timeAxisValues: uPlot.Axis.DynamicValues = (_u, splits, _axisIdx, _space, incr) => timeAxisLabels(splits, incr);
