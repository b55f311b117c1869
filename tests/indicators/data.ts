/**
 * Test-local helpers: a minimal loader for public/data/*.csv (the real importer
 * lives in workers/market/) and float comparison.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OhlcvColumns, StreamingIndicator } from '../../workers/features/indicators/types.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Reads `,Open,High,Low,Close,Volume` CSV (first column = time, ignored). */
export function loadBars(file: 'EURUSD.csv' | 'GOOG.csv'): OhlcvColumns {
  const lines = readFileSync(`${root}public/data/${file}`, 'utf8').trim().split('\n').slice(1);
  const cols: OhlcvColumns = {
    open: new Float64Array(lines.length),
    high: new Float64Array(lines.length),
    low: new Float64Array(lines.length),
    close: new Float64Array(lines.length),
    volume: new Float64Array(lines.length),
  };
  lines.forEach((line, i) => {
    const f = line.split(',');
    cols.open[i] = Number(f[1]);
    cols.high[i] = Number(f[2]);
    cols.low[i] = Number(f[3]);
    cols.close[i] = Number(f[4]);
    cols.volume[i] = Number(f[5]);
  });
  return cols;
}

/** A golden CSV of tests/golden as name -> column ("NA" -> NaN). */
export function loadGolden(file: string): Map<string, Float64Array> {
  const lines = readFileSync(`${root}tests/golden/${file}`, 'utf8').trim().split('\n');
  const names = lines[0].split(',');
  const cols = names.map(() => new Float64Array(lines.length - 1));
  for (let r = 1; r < lines.length; r++) {
    const f = lines[r].split(',');
    for (let c = 0; c < names.length; c++) cols[c][r - 1] = f[c] === 'NA' ? NaN : Number(f[c]);
  }
  return new Map(names.map((n, c) => [n, cols[c]]));
}

export function columnsFrom(arrays: { open: number[]; high: number[]; low: number[]; close: number[]; volume: number[] }): OhlcvColumns {
  return {
    open: Float64Array.from(arrays.open),
    high: Float64Array.from(arrays.high),
    low: Float64Array.from(arrays.low),
    close: Float64Array.from(arrays.close),
    volume: Float64Array.from(arrays.volume),
  };
}

/** Constant-price bars. */
export function flatBars(n: number, price = 1.2345, volume = 1000): OhlcvColumns {
  const a = (v: number) => new Array<number>(n).fill(v);
  return columnsFrom({ open: a(price), high: a(price), low: a(price), close: a(price), volume: a(volume) });
}

/** Runs a streaming indicator over columns with `update`, collecting every output per bar. */
export function runStream(s: StreamingIndicator, c: OhlcvColumns): Float64Array[] {
  const out = s.outputs.map(() => new Float64Array(c.close.length));
  for (let i = 0; i < c.close.length; i++) {
    s.update(c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i]);
    for (let k = 0; k < out.length; k++) out[k][i] = s.value(k);
  }
  return out;
}

/** Index of the first element where a and b are not the same double (NaN equals NaN), or -1. */
export function firstBitDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
}

/** A seeded PRNG for reproducible provisional bars (the benchmarks' own). */
export { seededRandom as rng } from '../../bench/lib.ts';
