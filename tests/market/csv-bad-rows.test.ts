import { describe, expect, it } from 'vitest';
import { describeImport, importBarsCsv, MAX_DETAILED_BAD_ROWS } from '../../workers/market/csv.ts';
import type { BadRowReason } from '../../workers/market/csv.ts';

const HEADER = ',Open,High,Low,Close,Volume';
const GOOD = [
  '2024-01-01 00:00:00,1.0,1.2,0.9,1.1,10',
  '2024-01-01 01:00:00,1.1,1.3,1.0,1.2,11',
  '2024-01-01 02:00:00,1.2,1.4,1.1,1.3,12',
  '2024-01-01 03:00:00,1.3,1.5,1.2,1.4,13',
];

/** The good rows with `bad` inserted as file line 4 (header = 1, so after two good rows). */
function withBadRow(bad: string): string {
  return [HEADER, GOOD[0], GOOD[1], bad, GOOD[2], GOOD[3]].join('\n');
}

describe('bad rows refuse the whole file by default', () => {
  it.each<[string, string, BadRowReason, RegExp]>([
    ['too few fields', '2024-01-01 01:30:00,1.1,1.3,1.0,1.2', 'columns', /expected 6 fields, found 5/],
    ['too many fields', '2024-01-01 01:30:00,1.1,1.3,1.0,1.2,5,7', 'columns', /expected 6 fields, found 7/],
    ['non-numeric price', '2024-01-01 01:30:00,1.1,abc,1.0,1.2,5', 'number', /High "abc" is not a number/],
    ['empty price', '2024-01-01 01:30:00,1.1,,1.0,1.2,5', 'number', /High "" is not a number/],
    ['bad date', '2024-13-01 01:30:00,1.1,1.3,1.0,1.2,5', 'date', /bad time "2024-13-01 01:30:00"/],
    ['impossible day', '2023-02-29 01:30:00,1.1,1.3,1.0,1.2,5', 'date', /bad time/],
    ['garbage time', 'yesterday,1.1,1.3,1.0,1.2,5', 'date', /bad time "yesterday"/],
    ['NaN', '2024-01-01 01:30:00,NaN,1.3,1.0,1.2,5', 'not-finite', /Open is "NaN", not a finite number/],
    ['Infinity', '2024-01-01 01:30:00,1.1,Infinity,1.0,1.2,5', 'not-finite', /High is "Infinity"/],
    ['overflow', '2024-01-01 01:30:00,1.1,1e999,1.0,1.2,5', 'not-finite', /High is "1e999"/],
    ['High < Low', '2024-01-01 01:30:00,1.0712,1.0712,1.0720,1.0715,5', 'high-low', /High 1.0712 < Low 1.072/],
    ['Open above High', '2024-01-01 01:30:00,1.4,1.3,1.0,1.2,5', 'open-range', /Open 1.4 outside Low 1 .. High 1.3/],
    ['Close below Low', '2024-01-01 01:30:00,1.1,1.3,1.0,0.9,5', 'close-range', /Close 0.9 outside Low 1 .. High 1.3/],
    ['negative volume', '2024-01-01 01:30:00,1.1,1.3,1.0,1.2,-5', 'negative-volume', /negative volume -5/],
    ['duplicate time', '2024-01-01 01:00:00,1.1,1.3,1.0,1.2,5', 'duplicate-time', /time 2024-01-01 01:00:00 repeats line 3/],
    ['decreasing time', '2024-01-01 00:30:00,1.1,1.3,1.0,1.2,5', 'time-order', /time 2024-01-01 00:30:00 is before line 3's 2024-01-01 01:00:00/],
  ])('%s', (_, bad, reason, message) => {
    const { ok, series, report } = importBarsCsv(withBadRow(bad), { symbol: 'X' });
    expect(ok).toBe(false);
    expect(series).toBeNull();
    expect(report.rowsImported).toBe(0);
    expect(report.rowsRead).toBe(5);
    expect(report.badRowCount).toBe(1);
    expect(report.badRows).toHaveLength(1);
    expect(report.badRows[0].line).toBe(4);
    expect(report.badRows[0].reason).toBe(reason);
    expect(report.badRows[0].message).toMatch(message);
    expect(report.badRowCounts).toEqual({ [reason]: 1 });
    expect(describeImport(report)).toMatch(/^Refused: 1 bad row, nothing imported\. line 4: /);
  });

  it('with skipBadRows the good rows are imported and the skipped ones listed', () => {
    const text = withBadRow('2024-01-01 01:30:00,1.0712,1.0712,1.0720,1.0715,5');
    const { ok, series, report } = importBarsCsv(text, { symbol: 'X', skipBadRows: true });
    expect(ok).toBe(true);
    expect(Array.from(series!.close)).toEqual([1.1, 1.2, 1.3, 1.4]);
    expect(report.rowsRead).toBe(5);
    expect(report.rowsImported).toBe(4);
    expect(report.badRows).toEqual([{ line: 4, reason: 'high-low', message: 'High 1.0712 < Low 1.072' }]);
    expect(describeImport(report)).toContain('Skipped 1 bad row: line 4: High 1.0712 < Low 1.072');
  });

  it('duplicates and decreasing times are compared with the last GOOD row', () => {
    const text = [HEADER, GOOD[0], GOOD[1], GOOD[1], '2024-01-01 00:30:00,1,1,1,1,1', GOOD[2], GOOD[3]].join('\n');
    const { report, series } = importBarsCsv(text, { symbol: 'X', skipBadRows: true });
    expect(report.badRows.map((r) => [r.line, r.reason])).toEqual([[4, 'duplicate-time'], [5, 'time-order']]);
    expect(series!.time.length).toBe(4);
  });

  it('every bad row is counted, details capped, grouped by reason', () => {
    const lines = [HEADER];
    for (let i = 0; i < 300; i++) {
      const t = new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
      lines.push(i % 3 === 0 ? `${t},1,0.5,1,1,1` : i % 3 === 1 ? `${t},1,2,0.5,1,-1` : `${t},1,2,0.5,1,1`);
    }
    const { ok, report } = importBarsCsv(lines.join('\n'), { symbol: 'X' });
    expect(ok).toBe(false);
    expect(report.badRowCount).toBe(200);
    expect(report.badRows).toHaveLength(MAX_DETAILED_BAD_ROWS);
    expect(report.badRowCounts).toEqual({ 'high-low': 100, 'negative-volume': 100 });
    expect(report.badRows[0].line).toBe(2);
    const text = describeImport(report);
    expect(text).toMatch(/^Refused: 200 bad rows, nothing imported\. line 2: High 0.5 < Low 1; line 3: negative volume -1;/);
    expect(text).toMatch(/and 190 more \(by reason: 100 High < Low, 100 negative volume\)/);
  });

  it('gaps are not errors', () => {
    const text = [HEADER, GOOD[0], GOOD[1], '2024-01-03 09:00:00,1.2,1.4,1.1,1.3,12', '2024-01-03 10:00:00,1.2,1.4,1.1,1.3,12'].join('\n');
    const { ok, report } = importBarsCsv(text, { symbol: 'X' });
    expect(ok).toBe(true);
    expect(report.gaps.count).toBe(1);
    expect(report.gaps.largestMs).toBe(2 * 86_400_000 + 8 * 3_600_000);
    expect(report.gaps.largestAt).toBe('2024-01-03T09:00:00.000Z');
    expect(describeImport(report)).toMatch(/1 gap \(largest 2d 8h before 2024-01-03 09:00; none over weekends\)/);
  });
});
