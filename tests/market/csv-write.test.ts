import { describe, expect, it } from 'vitest';
import { formatBarsCsv, formatColumnsCsv, importBarsCsv } from '../../workers/market/csv.ts';
import { parseNumber } from '../../workers/market/csv-scan.ts';
import { seriesFromBars } from '../../workers/market/bar.ts';
import { readData, seriesRows } from './helpers.ts';
import type { DataName } from './helpers.ts';

describe('formatBarsCsv', () => {
  it.each<DataName>(['EURUSD', 'GOOG', 'BTCUSD'])('%s round-trips through import exactly', (name) => {
    const first = importBarsCsv(readData(name), { symbol: name }).series!;
    const text = formatBarsCsv(first);
    expect(text.split('\n')[0]).toBe(',Open,High,Low,Close,Volume');
    const again = importBarsCsv(text, { symbol: name });
    expect(again.ok).toBe(true);
    expect(again.series!.timeframe).toBe(first.timeframe);
    expect(seriesRows(again.series!)).toEqual(seriesRows(first));
    // Already at period opens: nothing to normalize the second time.
    expect(again.report.notes).toEqual([]);
  });

  it('writes the public/data format: dates for daily data, date-times for intraday', () => {
    const eur = formatBarsCsv(importBarsCsv(readData('EURUSD'), { symbol: 'EURUSD' }).series!);
    expect(eur.split('\n').slice(0, 3).join('\n')).toBe(readData('EURUSD').split('\n').slice(0, 3).join('\n'));
    const goog = formatBarsCsv(importBarsCsv(readData('GOOG'), { symbol: 'GOOG' }).series!);
    expect(goog.split('\n')[1]).toBe('2004-08-19,100,104.06,95.96,100.34,22351900');
  });

  it('numbers needing all 17 digits, tiny and huge values, and milliseconds survive a round trip', () => {
    const hard = [0.1 + 0.2, 1 / 3, 1e-7, 123456789.12345679, 5e-324 * 1e10, 2 ** 53 + 2];
    const bars = hard.map((x, i) => ({ time: Date.UTC(2024, 0, 1, 0, i, 0, i === 2 ? 250 : 0), open: x, high: x * 2, low: x / 2, close: x, volume: x }));
    const series = seriesFromBars('X', 'M1', bars);
    const again = importBarsCsv(formatBarsCsv(series), { symbol: 'X', timeframe: 'M1', skipBadRows: false });
    expect(again.report.badRows).toEqual([]);
    expect(seriesRows(again.series!)).toEqual(seriesRows(series));
  });

  it('parseNumber agrees with Number on random doubles printed shortest', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20_000; i++) {
      const x = (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
      for (const s of [String(x), x.toFixed(5), x.toPrecision(8)]) expect(parseNumber(s, 0, s.length)).toBe(Number(s));
    }
  });
});

describe('formatColumnsCsv', () => {
  it('writes time,<names> with YYYY-MM-DD HH:MM:SS and empty cells for NaN', () => {
    const time = new Float64Array([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 1), Date.UTC(2024, 0, 1, 2, 30, 15)]);
    const text = formatColumnsCsv(time, [
      { name: 'ema_9', values: new Float64Array([NaN, 1.5, 0.1 + 0.2]) },
      { name: 'rsi_14', values: new Float64Array([NaN, NaN, 70]) },
    ]);
    expect(text).toBe(
      'time,ema_9,rsi_14\n' +
        '2024-01-01 00:00:00,,\n' +
        '2024-01-01 01:00:00,1.5,\n' +
        '2024-01-01 02:30:15,0.30000000000000004,70\n',
    );
  });

  it('quotes awkward names and refuses columns of the wrong length', () => {
    expect(formatColumnsCsv(new Float64Array([0]), [{ name: 'bb,upper', values: new Float64Array([1]) }])).toBe('time,"bb,upper"\n1970-01-01 00:00:00,1\n');
    expect(() => formatColumnsCsv(new Float64Array(2), [{ name: 'x', values: new Float64Array(1) }])).toThrow(/column "x" has 1 values but there are 2 times/);
  });
});
