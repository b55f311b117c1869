import { describe, expect, it } from 'vitest';
import { describeImport, importBarsCsv } from '../../workers/market/csv.ts';
import { barOpenTime } from '../../workers/market/timeframe.ts';
import { DAY, HOUR, plainRows, readData, seriesRows } from './helpers.ts';

describe('importBarsCsv on the bundled real data', () => {
  it('EURUSD: every hourly bar, H1 detected despite weekend gaps', () => {
    const rows = plainRows('EURUSD');
    const { ok, series, report } = importBarsCsv(readData('EURUSD'), { symbol: 'EURUSD' });
    expect(ok).toBe(true);
    expect(series!.timeframe).toBe('H1');
    expect(seriesRows(series!)).toEqual(rows);
    expect(report.rowsRead).toBe(rows.length);
    expect(report.rowsImported).toBe(rows.length);
    expect(report.firstTime).toBe(new Date(rows[0].time).toISOString());
    expect(report.lastTime).toBe(new Date(rows[rows.length - 1].time).toISOString());

    const spacings = rows.slice(1).map((r, i) => r.time - rows[i].time);
    const hourly = spacings.filter((d) => d === HOUR).length;
    expect(report.timeframeHow).toContain(`${hourly.toLocaleString('en-US')} of ${spacings.length.toLocaleString('en-US')} spacings are 1h`);
    // Gaps are normal for FX: counted, not refused.
    const gaps = spacings.filter((d) => d > HOUR);
    expect(report.gaps.count).toBe(gaps.length);
    expect(report.gaps.largestMs).toBe(Math.max(...gaps));
    expect(report.gaps.count).toBeGreaterThanOrEqual(37); // README: 37 weekends, plus holidays
    expect(report.badRowCount).toBe(0);
    expect(report.notes).toEqual([]);
    expect(describeImport(report)).toMatch(/^Imported 5,000 EURUSD H1 bars 2017-04-19 09:00 \.\. 2018-02-07 15:00; \d+ gaps \(largest /);
  });

  it('GOOG: trading days only is still D1', () => {
    const rows = plainRows('GOOG');
    const { ok, series, report } = importBarsCsv(readData('GOOG'), { symbol: 'GOOG' });
    expect(ok).toBe(true);
    expect(series!.timeframe).toBe('D1');
    expect(seriesRows(series!)).toEqual(rows);
    expect(report.gaps.count).toBe(rows.slice(1).filter((r, i) => r.time - rows[i].time > DAY).length);
    expect(report.gaps.weekendCount).toBeGreaterThan(report.gaps.count / 2);
    expect(describeImport(report)).toMatch(/^Imported 2,148 GOOG D1 bars 2004-08-19 \.\. 2013-03-01; /);
  });

  it('BTCUSD: month-end labels become month opens, MN1', () => {
    const rows = plainRows('BTCUSD');
    const { ok, series, report } = importBarsCsv(readData('BTCUSD'), { symbol: 'BTCUSD' });
    expect(ok).toBe(true);
    expect(series!.timeframe).toBe('MN1');
    const expected = rows.map((r) => {
      const d = new Date(r.time);
      return { ...r, time: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) };
    });
    expect(seriesRows(series!)).toEqual(expected);
    for (const t of series!.time) expect(barOpenTime(t, 'MN1')).toBe(t);
    expect(report.firstTime).toBe('2012-01-01T00:00:00.000Z');
    expect(report.lastTime).toBe('2024-12-01T00:00:00.000Z');
    expect(report.gaps.count).toBe(0);
    expect(report.notes.join(' ')).toMatch(/156 month-end labels moved to each month's first day/);
    expect(describeImport(report)).toContain('Imported 156 BTCUSD MN1 bars 2012-01-01 .. 2024-12-01; no gaps');
  });

  it('the right timeframe passed explicitly is accepted; a wrong one is a mismatch error', () => {
    expect(importBarsCsv(readData('GOOG'), { symbol: 'GOOG', timeframe: 'D1' }).ok).toBe(true);
    const { ok, series, report } = importBarsCsv(readData('EURUSD'), { symbol: 'EURUSD', timeframe: 'H4' });
    expect(ok).toBe(false);
    expect(series).toBeNull();
    expect(report.errors[0]).toMatch(/timeframe mismatch: H4 was asked for but the data is H1/);
    expect(describeImport(report)).toMatch(/^Refused: timeframe mismatch/);
  });
});
