import { expect, it } from 'vitest';
import { importBarsCsv } from '../../workers/market/csv.ts';

// One million M1 bars, Monday to Friday only, so weekend gaps are in play too.
it('imports a 1,000,000-row CSV correctly', () => {
  const n = 1_000_000;
  const start = Date.UTC(2020, 0, 6); // a Monday
  const times = new Float64Array(n);
  const chunks: string[] = ['Date,Time,Open,High,Low,Close,Volume\n'];
  let t = start;
  for (let i = 0; i < n; i++) {
    const weekday = (Math.floor(t / 86_400_000) + 4) % 7;
    if (weekday === 6) t += 2 * 86_400_000; // skip Saturday and Sunday
    times[i] = t;
    const iso = new Date(t).toISOString();
    const p = 10_000 + (i % 997);
    chunks.push(`${iso.slice(0, 10)},${iso.slice(11, 19)},${p / 10_000},${(p + 3) / 10_000},${(p - 2) / 10_000},${(p + 1) / 10_000},${i % 50}\n`);
    t += 60_000;
  }
  const text = chunks.join('');
  chunks.length = 0; // a million live row strings would make every GC during the import slow
  const { ok, series, report } = importBarsCsv(text, { symbol: 'EURUSD' });
  expect(report.errors).toEqual([]);
  expect(ok).toBe(true);
  expect(report.rowsImported).toBe(n);
  expect(series!.timeframe).toBe('M1');
  let firstWrongTime = -1;
  for (let i = 0; i < n && firstWrongTime < 0; i++) if (series!.time[i] !== times[i]) firstWrongTime = i;
  expect(firstWrongTime).toBe(-1); // a plain loop: deep-equal on a million elements takes seconds
  for (const i of [0, 1, 996, 997, 123_456, n - 1]) {
    const p = 10_000 + (i % 997);
    expect([series!.open[i], series!.high[i], series!.low[i], series!.close[i], series!.volume[i]]).toEqual([
      p / 10_000,
      (p + 3) / 10_000,
      (p - 2) / 10_000,
      (p + 1) / 10_000,
      i % 50,
    ]);
  }
  expect(report.gaps.count).toBe(report.gaps.weekendCount);
  expect(report.gaps.largestMs).toBe(2 * 86_400_000 + 60_000);
});
