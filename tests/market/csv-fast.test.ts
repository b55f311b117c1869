import { describe, expect, it } from 'vitest';
import { importBarsCsv, importBarsCsvBytes } from '../../workers/market/csv.ts';
import { parseNumber, parseNumberBytes } from '../../workers/market/csv-scan.ts';
import { seededRandom } from '../../workers/util/seeded-random.ts';
import { readData, type DataName } from './helpers.ts';

// The byte-level import (issue 18): the same bars and the same report as from text, and numbers read exactly as Number reads them.
const bytes = (text: string) => new TextEncoder().encode(text);

describe('importBarsCsvBytes', () => {
  for (const name of ['EURUSD', 'GOOG', 'BTCUSD'] as DataName[]) {
    it(`gives the same bars and report as the text import on the bundled ${name}`, () => {
      const text = readData(name);
      const fromText = importBarsCsv(text, { symbol: name });
      const fromBytes = importBarsCsvBytes(bytes(text), { symbol: name });
      expect(fromBytes.ok).toBe(true);
      expect(fromBytes).toEqual(fromText);
    });
  }

  it('reads a file with a byte order mark, CRLF lines and padded, quoted fields', () => {
    const text = '\uFEFFtime,open,high,low,close,volume\r\n"2024-01-01 00:00", 1.5 ,"2",1,1.25e0,10\r\n2024-01-01 01:00:00,1.25,2,1,1.5,+3\r\n';
    const r = importBarsCsvBytes(bytes(text), { symbol: 'X', timeframe: 'H1' });
    expect(r.report.errors).toEqual([]);
    expect(Array.from(r.series!.open)).toEqual([1.5, 1.25]);
    expect(Array.from(r.series!.close)).toEqual([1.25, 1.5]);
    expect(Array.from(r.series!.volume)).toEqual([10, 3]);
    expect(r.series!.time[0]).toBe(Date.UTC(2024, 0, 1));
  });

  it('finds the header after more blank lines than the first look reads', () => {
    const text = '\n'.repeat(100) + 'time,open,high,low,close\n2024-01-01,1,2,0.5,1.5\n2024-01-02,1,2,0.5,1.5\n';
    const r = importBarsCsvBytes(bytes(text), { symbol: 'X', timeframe: 'D1' });
    expect(r.report.errors).toEqual([]);
    expect(r.report.rowsImported).toBe(2);
  });

  it('names bad rows with their line and text, non-ASCII included, as the text import does', () => {
    const text = 'time,open,high,low,close\n2024-01-01,1,2,0.5,1.5\n2024-01-02,1,2,0.5,1,5\n2024-01-03,1,2,0.5,1.5x\n2024-01-04,1€,2,0.5,1.5\n2024-01-05,1,2,0.5,1.5\n2024-01-05,1,2,0.5,1.5\n2024-01-06,1,2,0.5,inf\n';
    const r = importBarsCsvBytes(bytes(text), { symbol: 'X', timeframe: 'D1' });
    expect(r.ok).toBe(false);
    expect(r.report.badRows.map((b) => [b.line, b.reason, b.message])).toEqual([
      [3, 'columns', 'expected 5 fields, found 6'],
      [4, 'number', 'close "1.5x" is not a number'],
      [5, 'number', 'open "1€" is not a number'],
      [7, 'duplicate-time', 'time 2024-01-05 00:00:00 repeats line 6'],
      [8, 'not-finite', 'close is "inf", not a finite number'],
    ]);
    expect(r).toEqual(importBarsCsv(text, { symbol: 'X', timeframe: 'D1' }));
  });

  it('refuses an empty file and a header without bars in words', () => {
    expect(importBarsCsvBytes(new Uint8Array(0), { symbol: 'X' }).report.errors).toEqual(['empty file: no header and no bars']);
    expect(importBarsCsvBytes(bytes('time,open,high,low,close\n' + '\n'.repeat(200)), { symbol: 'X' }).report.errors).toEqual(['header only: the file has no bars']);
  });
});

describe('parseNumberBytes', () => {
  const same = (s: string) => {
    const v = parseNumberBytes(bytes(s), 0, bytes(s).length);
    return Object.is(v, Number(s)) && Object.is(parseNumber(s, 0, s.length), v);
  };

  it('reads 16 to 19 significant digits (doubles printed shortest) exactly as Number does', () => {
    const rnd = seededRandom(18);
    const wrong: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const x = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 24 - 10);
      for (const s of [String(x), x.toPrecision(17), x.toPrecision(19), x.toFixed(Math.floor(rnd() * 21))]) if (!same(s)) wrong.push(s);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds halfway and near-halfway integers above 2^53 to even, as Number does', () => {
    const rnd = seededRandom(53);
    const wrong: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      const digits = String(2n ** 53n + BigInt(Math.floor(rnd() * 1e9)));
      for (const s of [digits, `${digits}.0`, `${digits.slice(0, 4)}.${digits.slice(4)}`, `-0.${digits}`]) if (!same(s)) wrong.push(s);
    }
    expect(wrong).toEqual([]);
    for (const s of ['9007199254740993', '9007199254740995', '1.1004448565084488', '0.30000000000000004', '-0', '.5', '5.', '1e5', '12345678901234567890123']) expect(same(s), s).toBe(true);
  });

  it('gives NaN for what is not a number', () => {
    for (const s of ['', '-', '.', '1.2.3', '1e', 'abc', '1 2', '0x10']) expect(parseNumberBytes(bytes(s), 0, s.length), s).toBeNaN();
  });
});
