/** Shared by the streamed-import tests: the streamed import against the whole-buffer one, bit for bit. */
import { expect } from 'vitest';
import type { ImportOptions, ImportResult } from '../../workers/market/csv-import.ts';
import { CsvImportStream } from '../../workers/market/csv-import-stream.ts';

/** The file pushed `size` bytes at a time (the last piece shorter). */
export function streamed(bytes: Uint8Array, opts: ImportOptions, size: number): ImportResult {
  const s = new CsvImportStream(opts, bytes.length);
  for (let i = 0; i < bytes.length && !s.refused; i += size) s.push(bytes.slice(i, i + size));
  return s.end();
}

/** Piece sizes worth trying on an input this long: every boundary for small ones, odd sizes for the rest. */
export function pieceSizes(length: number): number[] {
  if (length <= 4096) return [1, 2, 3, 5, 8, 13, 64, 1000, length];
  if (length <= 400_000) return [7, 251, 4099, 65_536];
  return [65_521, 1 << 20];
}

const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** The same result: report, symbol and timeframe, and every column bit for bit (a deep diff only when they differ: it is slow on long columns). */
export function expectSameResult(got: ImportResult, want: ImportResult, label: string): void {
  const bits = (c: Float64Array) => Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  const same =
    got.ok === want.ok &&
    JSON.stringify(got.report) === JSON.stringify(want.report) &&
    (got.series === null || want.series === null
      ? got.series === want.series
      : got.series.symbol === want.series.symbol && got.series.timeframe === want.series.timeframe && COLUMNS.every((k) => bits(got.series![k]).equals(bits(want.series![k]))));
  if (!same) expect(got, label).toStrictEqual(want);
  expect(same, label).toBe(true);
}

/** The input streamed in pieces of every size pieceSizes gives, each the same as `whole`. */
export function expectSameAsWhole(bytes: Uint8Array, opts: ImportOptions, whole: ImportResult): void {
  for (const size of pieceSizes(bytes.length)) expectSameResult(streamed(bytes, opts, size), whole, `pieces of ${size} bytes`);
}
