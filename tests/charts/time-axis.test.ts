/** Chart time axes: 24-hour UTC in ISO order, never uPlot's US "12pm 4/19/17". */
import { describe, expect, it } from 'vitest';
import { timeAxisLabels } from '../../app/charts/time-axis.ts';

const H = 3_600_000;
const D = 24 * H;
const t0 = Date.UTC(2017, 3, 19, 0, 0);

describe('timeAxisLabels', () => {
  it('hours: 24-hour clock, the date under the first tick and where the day changes', () => {
    const splits = [t0 + 12 * H, t0 + 18 * H, t0 + 24 * H, t0 + 30 * H];
    expect(timeAxisLabels(splits, 6 * H)).toEqual(['12:00\n2017-04-19', '18:00', '00:00\n2017-04-20', '06:00']);
  });

  it('days and months: ISO dates', () => {
    expect(timeAxisLabels([t0, t0 + 7 * D], 7 * D)).toEqual(['2017-04-19', '2017-04-26']);
    expect(timeAxisLabels([Date.UTC(2017, 3, 1), Date.UTC(2017, 5, 1)], 61 * D)).toEqual(['2017-04', '2017-06']);
  });

  it('seconds when ticks are under a minute apart', () => {
    expect(timeAxisLabels([t0 + 13 * H + 30_000, t0 + 13 * H + 45_000], 15_000)).toEqual(['13:00:30\n2017-04-19', '13:00:45']);
  });

  it('never writes am/pm or US month/day order', () => {
    const splits = Array.from({ length: 48 }, (_, i) => t0 + i * H);
    for (const l of timeAxisLabels(splits, H)) expect(l).not.toMatch(/am|pm|\d+\/\d+/i);
  });
});
