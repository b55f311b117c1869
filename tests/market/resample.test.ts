import { describe, expect, it } from 'vitest';
import { importBarsCsv } from '../../workers/market/csv.ts';
import { BarAggregator, resample, resampleProblem } from '../../workers/market/resample.ts';
import { barAt, seriesFromBars } from '../../workers/market/bar.ts';
import type { Bar, BarSeries } from '../../workers/market/bar.ts';
import type { Timeframe } from '../../workers/market/timeframe.ts';
import { readData, seriesRows } from './helpers.ts';
import type { DataName } from './helpers.ts';

function load(name: DataName): BarSeries {
  return importBarsCsv(readData(name), { symbol: name }).series!;
}

/** Period key computed independently of barOpenTime: calendar fields via Date. */
function naiveKey(t: number, to: Timeframe): number {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  switch (to) {
    case 'H4':
      return Date.UTC(y, m, day, d.getUTCHours() - (d.getUTCHours() % 4));
    case 'D1':
      return Date.UTC(y, m, day);
    case 'W1':
      return Date.UTC(y, m, day - ((d.getUTCDay() + 6) % 7)); // back to Monday
    case 'MN1':
      return Date.UTC(y, m, 1);
    default:
      throw new Error(`no naive key for ${to}`);
  }
}

/** The obvious reference: group bars by period key with a Map, then aggregate each group. */
function naiveResample(s: BarSeries, to: Timeframe): Bar[] {
  const groups = new Map<number, Bar[]>();
  for (let i = 0; i < s.time.length; i++) {
    const key = naiveKey(s.time[i], to);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(barAt(s, i));
  }
  return [...groups].map(([time, bars]) => ({
    time,
    open: bars[0].open,
    high: Math.max(...bars.map((b) => b.high)),
    low: Math.min(...bars.map((b) => b.low)),
    close: bars[bars.length - 1].close,
    volume: bars.reduce((sum, b) => sum + b.volume, 0),
  }));
}

describe('resample on real data against a naive reference', () => {
  it.each<[DataName, Timeframe]>([
    ['EURUSD', 'H4'],
    ['EURUSD', 'D1'],
    ['EURUSD', 'W1'],
    ['EURUSD', 'MN1'],
    ['GOOG', 'W1'],
    ['GOOG', 'MN1'],
  ])('%s -> %s', (name, to) => {
    const s = load(name);
    const out = resample(s, to);
    expect(out.timeframe).toBe(to);
    expect(out.symbol).toBe(name);
    expect(seriesRows(out)).toEqual(naiveResample(s, to));
  });

  it('weekly bars open on Monday 00:00 UTC', () => {
    for (const t of resample(load('GOOG'), 'W1').time) {
      expect(new Date(t).getUTCDay()).toBe(1);
      expect(t % 86_400_000).toBe(0);
    }
  });

  it('M15 -> H1 sums four bars', () => {
    const t0 = Date.UTC(2024, 0, 1);
    const bars = [1, 2, 3, 4, 5].map((k, i) => ({ time: t0 + i * 900_000, open: k, high: k + 1, low: k - 1, close: k + 0.5, volume: 10 }));
    const h1 = resample(seriesFromBars('X', 'M15', bars), 'H1');
    expect(seriesRows(h1)).toEqual([
      { time: t0, open: 1, high: 5, low: 0, close: 4.5, volume: 40 },
      { time: t0 + 3_600_000, open: 5, high: 6, low: 4, close: 5.5, volume: 10 },
    ]);
  });
});

describe('refused resamples name both timeframes', () => {
  it.each<[Timeframe, Timeframe, RegExp]>([
    ['H1', 'M30', /cannot resample H1 to M30: M30 is not a higher timeframe than H1/],
    ['H1', 'H1', /cannot resample H1 to H1/],
    ['W1', 'MN1', /cannot resample W1 to MN1: weeks straddle month boundaries/],
  ])('%s -> %s', (from, to, message) => {
    expect(resampleProblem(from, to)).toMatch(message);
    expect(() => resample(seriesFromBars('X', from, []), to)).toThrow(message);
  });

  it('every standard step up that nests is allowed', () => {
    expect(resampleProblem('M15', 'H1')).toBeNull();
    expect(resampleProblem('M5', 'M15')).toBeNull();
    expect(resampleProblem('H4', 'D1')).toBeNull();
    expect(resampleProblem('D1', 'W1')).toBeNull();
    expect(resampleProblem('D1', 'MN1')).toBeNull();
  });

  it('a series with times out of order is refused, not silently merged', () => {
    const bars = [2, 1].map((h) => ({ time: h * 3_600_000, open: 1, high: 1, low: 1, close: 1, volume: 1 }));
    expect(() => resample(seriesFromBars('X', 'H1', bars), 'H4')).toThrow(/bar 1 is not later than bar 0/);
  });
});

describe('BarAggregator (live)', () => {
  it.each<Timeframe>(['H4', 'D1'])('fed EURUSD H1 bar by bar, equals batch resample to %s', (to) => {
    const s = load('EURUSD');
    const agg = new BarAggregator(to);
    const closed: Bar[] = [];
    let opened = 0;
    for (let i = 0; i < s.time.length; i++) {
      const u = agg.pushBar(barAt(s, i));
      if (u.closed) closed.push(u.closed);
      if (u.opened) opened++;
      expect(u.forming!.time).toBe(naiveKey(s.time[i], to));
      expect(u.forming!.close).toBe(s.close[i]);
    }
    closed.push(agg.flush()!);
    expect(closed).toEqual(seriesRows(resample(s, to)));
    expect(opened).toBe(closed.length);
    expect(agg.forming()).toBeNull();
  });

  it('builds bars from trades, closes on a later period or on the clock, drops late trades', () => {
    const t0 = Date.UTC(2024, 0, 1, 9);
    const agg = new BarAggregator('M5');
    expect(agg.pushTrade(t0 + 1_000, 10, 2)).toEqual({ closed: null, forming: { time: t0, open: 10, high: 10, low: 10, close: 10, volume: 2 }, opened: true });
    agg.pushTrade(t0 + 60_000, 12, 1);
    const u = agg.pushTrade(t0 + 120_000, 9, 3);
    expect(u.opened).toBe(false);
    expect(u.forming).toEqual({ time: t0, open: 10, high: 12, low: 9, close: 9, volume: 6 });
    const next = agg.pushTrade(t0 + 300_000, 11, 1);
    expect(next.closed).toEqual({ time: t0, open: 10, high: 12, low: 9, close: 9, volume: 6 });
    expect(next.opened).toBe(true);
    agg.pushTrade(t0 + 299_000, 50, 1); // belongs to the closed bar: dropped
    expect(agg.late).toBe(1);
    expect(agg.forming()!.high).toBe(11);
    expect(agg.closeIfDue(t0 + 599_999)).toBeNull();
    expect(agg.closeIfDue(t0 + 600_000)).toEqual({ time: t0 + 300_000, open: 11, high: 11, low: 11, close: 11, volume: 1 });
    expect(agg.forming()).toBeNull();
    // After a clock close, a straggler for that bar is late too, not a second bar for the same period.
    expect(agg.pushTrade(t0 + 400_000, 99)).toEqual({ closed: null, forming: null, opened: false });
    expect(agg.late).toBe(2);
    expect(agg.pushTrade(t0 + 900_000, 13).opened).toBe(true);
  });
});
