import { describe, expect, it } from 'vitest';
import { decodeColumns, encodeColumns } from '../../workers/store/bar-codec.ts';

const H = 3_600_000;
const bits = (cols: Float64Array[]) => cols.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('hex'));

/** Hourly bars with a weekend gap, 5-decimal prices as a CSV parse gives them, whole volumes. */
function csvLike(n: number): Float64Array[] {
  const time = Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + (i + (i >= n / 2 ? 48 : 0)) * H);
  const price = (i: number, d: number) => Number((1.1 + Math.sin(i / 10) / 100 + d).toFixed(5));
  return [time, Float64Array.from(time, (_, i) => price(i, 0)), Float64Array.from(time, (_, i) => price(i, 0.001)), Float64Array.from(time, (_, i) => price(i, -0.001)), Float64Array.from(time, (_, i) => price(i, 0.0005)), Float64Array.from(time, (_, i) => (i * 37) % 5000)];
}

function roundTrip(cols: Float64Array[]) {
  const data = encodeColumns(cols);
  expect(bits(decodeColumns(data, cols[0].length, cols.length))).toEqual(bits(cols));
  const unaligned = new Uint8Array(data.length + 1).subarray(1); // as a SQLite BLOB may come
  unaligned.set(data);
  expect(bits(decodeColumns(unaligned, cols[0].length, cols.length))).toEqual(bits(cols));
  return data.byteLength;
}

describe('bar chunk codec', () => {
  it('stores CSV-like bars in 4 bytes per value, and gives back the same bits', () => {
    expect(roundTrip(csvLike(1000))).toBe(16 + 1000 * 6 * 4);
  });

  it('keeps Float64 for a column any value of which would not come back bit for bit', () => {
    const awkward: [string, (c: Float64Array[]) => void][] = [
      ['NaN volume', (c) => (c[5][7] = NaN)],
      ['-0 price', (c) => (c[3][3] = -0)],
      ['volume beyond int32', (c) => (c[5][9] = 2 ** 31)],
      ['price with 10 decimals', (c) => (c[1][1] = 1.1234567891)],
      ['random double', (c) => (c[4][500] = Math.PI)],
      ['fractional time', (c) => (c[0][999] += 0.5)],
      ['gap over 49 days', (c) => c[0].subarray(900).forEach((_, i, a) => (a[i] += 50 * 24 * H))],
    ];
    for (const [what, spoil] of awkward) {
      const cols = csvLike(1000);
      spoil(cols);
      expect(roundTrip(cols), what).toBe(16 + 1000 * (5 * 4 + 8));
    }
  });

  it('refuses bytes that cannot be a chunk of that many bars', () => {
    const data = encodeColumns(csvLike(10));
    expect(() => decodeColumns(data, 11, 6)).toThrow(/a stored bar chunk is damaged \(256 bytes, version 1; expected 280 bytes for 11 bars\)/);
    expect(() => decodeColumns(data.subarray(0, 100), 10, 6)).toThrow(/damaged/);
  });
});
