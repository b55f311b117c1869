import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticBars } from '../../bench/lib.ts';
import { formatBarsCsv, importBarsCsvBytes } from '../../workers/market/csv.ts';
import { CSV_CACHE_MIN_BYTES, importCsvCached } from '../../relay/ops/csv-import-cache.ts';
import { runCli } from '../cli/run-cli.ts';

// The import cache (relay/ops/csv-import-cache.ts): a file imported again with the same
// content and options comes from its columns on disk; any change is parsed afresh.
let dir: string;
let big: Uint8Array;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tg-csv-cache-'));
  big = new TextEncoder().encode(formatBarsCsv({ ...syntheticBars(50_000, 9), symbol: 'SYN', timeframe: 'H1' }));
  expect(big.byteLength).toBeGreaterThan(CSV_CACHE_MIN_BYTES);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('importCsvCached', () => {
  it('parses a file the first time and reads the same series and report from the cache the second', () => {
    const cache = join(dir, 'a');
    const first = importCsvCached(big, { symbol: 'SYN' }, cache);
    const second = importCsvCached(big, { symbol: 'SYN' }, cache);
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(first.result.ok).toBe(true);
    expect(second.result).toEqual(first.result);
    expect(second.result).toEqual(importBarsCsvBytes(big, { symbol: 'SYN' }));
  });

  it('parses again when the content changes, and keeps both entries', () => {
    const cache = join(dir, 'b');
    importCsvCached(big, { symbol: 'SYN' }, cache);
    const text = new TextDecoder().decode(big);
    const at = text.lastIndexOf(',') + 1; // the last row's volume
    const changed = new TextEncoder().encode(`${text.slice(0, at)}7${text.slice(at + 1)}`);
    const r = importCsvCached(changed, { symbol: 'SYN' }, cache);
    expect(r.cached).toBe(false);
    expect(r.result.series!.volume.at(-1)).toBe(Number(`7${text.slice(at + 1).trim()}`));
    expect(importCsvCached(changed, { symbol: 'SYN' }, cache).cached).toBe(true);
    expect(importCsvCached(big, { symbol: 'SYN' }, cache).cached).toBe(true);
    expect(readdirSync(cache).length).toBe(2);
  });

  it('does not take an entry made with other options (symbol, timeframe, skip bad rows)', () => {
    const cache = join(dir, 'c');
    importCsvCached(big, { symbol: 'SYN' }, cache);
    expect(importCsvCached(big, { symbol: 'OTHER' }, cache).result.series!.symbol).toBe('OTHER');
    expect(importCsvCached(big, { symbol: 'SYN', timeframe: 'H1' }, cache).cached).toBe(false);
    expect(importCsvCached(big, { symbol: 'SYN', skipBadRows: true }, cache).cached).toBe(false);
  });

  it('parses again, in words and without crashing, when an entry was damaged', () => {
    const cache = join(dir, 'd');
    importCsvCached(big, { symbol: 'SYN' }, cache);
    const entry = join(cache, readdirSync(cache)[0]);
    writeFileSync(join(entry, 'close.f64'), readFileSync(join(entry, 'close.f64')).subarray(0, 100));
    const r = importCsvCached(big, { symbol: 'SYN' }, cache);
    expect(r.cached).toBe(false);
    expect(r.result).toEqual(importBarsCsvBytes(big, { symbol: 'SYN' }));
    expect(importCsvCached(big, { symbol: 'SYN' }, cache).cached).toBe(true);
  });

  it('keeps no refused import and no small file', () => {
    const cache = join(dir, 'e');
    const bad = new TextEncoder().encode(new TextDecoder().decode(big).replace(/\n2015-01-06 03:00:00,[^,]*/, '\n2015-01-06 03:00:00,oops'));
    const r = importCsvCached(bad, { symbol: 'SYN' }, cache);
    expect(r.result.ok).toBe(false);
    expect(r.result.report.badRows[0].message).toBe('Open "oops" is not a number');
    expect(importCsvCached(bad, { symbol: 'SYN' }, cache).cached).toBe(false);
    const small = big.subarray(0, big.indexOf(10, 100_000) + 1);
    importCsvCached(small, { symbol: 'SYN' }, cache);
    expect(importCsvCached(small, { symbol: 'SYN' }, cache).cached).toBe(false);
  });
});

it('tradeguard import reads the same bars from the cache the second time and says so', async () => {
  const file = join(dir, 'SYN_H1.csv');
  writeFileSync(file, big);
  const before = process.env.TG_CSV_CACHE_DIR;
  process.env.TG_CSV_CACHE_DIR = join(dir, 'cli');
  try {
    const out1 = join(dir, 'out1.csv');
    const out2 = join(dir, 'out2.csv');
    const first = await runCli('import', '--data', file, '--out', out1);
    const second = await runCli('import', '--data', file, '--out', out2);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(first.out).not.toContain('import cache');
    expect(second.out).toContain('(read from the import cache in');
    const report = (out: string) => out.split('\n').filter((l) => !l.startsWith('wrote') && !l.includes('import cache'));
    expect(report(second.out)).toEqual(report(first.out));
    expect(report(first.out)[0]).toMatch(/^Imported 50,000 SYN H1 bars/);
    expect(readFileSync(out2, 'utf8')).toBe(readFileSync(out1, 'utf8'));
  } finally {
    if (before === undefined) delete process.env.TG_CSV_CACHE_DIR;
    else process.env.TG_CSV_CACHE_DIR = before;
  }
});
