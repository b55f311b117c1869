import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBarsCsvBytes } from '../../workers/market/csv-import.ts';
import { CsvImportStream } from '../../workers/market/csv-import-stream.ts';
import { expectSameAsWhole, expectSameResult } from './csv-stream-helpers.ts';
import { importCsvFile } from '../../relay/ops/csv-stream.ts';
import { syntheticBars } from '../../bench/lib.ts';
import { formatBarsCsv } from '../../workers/market/csv-write.ts';
import { CSV_CACHE_MIN_BYTES, importCsvCached, importCsvFileCached } from '../../relay/ops/csv-import-cache.ts';

// The streamed import (workers/market/csv-import-stream.ts) must give what the
// whole-buffer import gives, bit for bit, however the file is cut into pieces.

describe('streamed import, beyond the existing fixtures', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const rows = (n: number, eol = '\n') =>
    Array.from({ length: n }, (_, i) => `2024-01-0${1 + Math.floor(i / 24)} ${String(i % 24).padStart(2, '0')}:00:00,1.0${i},1.1${i},1.0,1.05${i},${100 + i}`).join(eol);

  const cases: Record<string, string> = {
    'BOM, CRLF, blank lines, a bad row': `\uFEFF,Open,High,Low,Close,Volume\r\n${rows(5, '\r\n')}\r\n\r\n2024-01-01 09:00:00,1,0.5,1,1,1\r\n${rows(3, '\r\n')}\r\n`,
    'a header longer than any piece': `Time,${Array.from({ length: 40 }, (_, i) => `Ignored${i}`).join(',')},Open,High,Low,Close\n${rows(4).replace(/^([^,]*),/gm, `$1,${','.repeat(39)}`)}`,
    'no line end at the end': `time,open,high,low,close,volume\n${rows(6)}`,
    'headerless MT4 export': rows(30).replace(/-/g, '.'),
    '70 blank lines before the header (the whole text decides the layout)': `${'\n'.repeat(70)}time,open,high,low,close\n${rows(5).replace(/,\d+$/gm, '')}\n`,
    '70 blank lines after the header': `time,open,high,low,close,volume\n${' \n'.repeat(70)}${rows(5)}\n`,
    'only blank lines': '\n \r\n'.repeat(80),
    'header only, then many blank lines': `time,open,high,low,close\n${'\n'.repeat(90)}`,
    'an unknown header over many lines': `a,b,c\n${rows(100)}`,
    'empty': '',
  };
  for (const [name, text] of Object.entries(cases)) {
    it(`${name}: the same with the file cut anywhere in two, and in pieces`, () => {
      const bytes = enc(text);
      for (const opts of [{ symbol: 'EURUSD' }, { symbol: 'EURUSD', skipBadRows: true }, { symbol: 'EURUSD', timeframe: 'H1' as const }]) {
        const whole = importBarsCsvBytes(bytes, opts);
        for (let cut = 0; cut <= bytes.length; cut++) {
          const s = new CsvImportStream(opts);
          s.push(bytes.slice(0, cut));
          s.push(bytes.slice(cut));
          expectSameResult(s.end(), whole, `cut at byte ${cut}`);
        }
        expectSameAsWhole(bytes, opts, whole);
      }
    });
  }

  it('keeps no reference to a pushed piece (a reader reuses its buffer)', () => {
    const bytes = enc(`time,open,high,low,close\n${rows(40).replace(/,\d+$/gm, '')}\n`);
    const s = new CsvImportStream({ symbol: 'X' });
    const buffer = new Uint8Array(17);
    for (let i = 0; i < bytes.length; i += buffer.length) {
      const piece = bytes.subarray(i, i + buffer.length);
      buffer.set(piece);
      s.push(buffer.subarray(0, piece.length));
      buffer.fill(0x39);
    }
    expectSameResult(s.end(), importBarsCsvBytes(bytes, { symbol: 'X' }), 'a reused buffer');
  });
});

describe('importCsvFile and importCsvFileCached (files on disk)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-csv-stream-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['EURUSD', 'GOOG', 'BTCUSD'])('read in odd-sized pieces, the bundled %s imports as from its bytes', (name) => {
    const path = new URL(`../../public/data/${name}.csv`, import.meta.url).pathname;
    const whole = importBarsCsvBytes(readFileSync(path), { symbol: name });
    for (const size of [4099, 1 << 20]) expectSameResult(importCsvFile(path, { symbol: name }, size), whole, `pieces of ${size} bytes`);
  });

  it('a missing file is an error from the file system', () => {
    expect(() => importCsvFile(join(dir, 'none.csv'), { symbol: 'X' })).toThrow(/ENOENT/);
  });

  it('finds entries made from the bytes, and the bytes find its entries: the same content hash', () => {
    const bytes = new TextEncoder().encode(formatBarsCsv({ ...syntheticBars(50_000, 5), symbol: 'SYN', timeframe: 'H1' }));
    expect(bytes.length).toBeGreaterThan(CSV_CACHE_MIN_BYTES);
    const file = join(dir, 'syn.csv');
    writeFileSync(file, bytes);
    const whole = importBarsCsvBytes(bytes, { symbol: 'SYN' });

    const a = join(dir, 'cache-a');
    expect(importCsvCached(bytes, { symbol: 'SYN' }, a).cached).toBe(false);
    const fromFile = importCsvFileCached(file, { symbol: 'SYN' }, a, 65_521);
    expect(fromFile.cached).toBe(true);
    expectSameResult(fromFile.result, whole, 'from the cache');

    const b = join(dir, 'cache-b');
    const first = importCsvFileCached(file, { symbol: 'SYN' }, b, 65_521);
    expect(first.cached).toBe(false);
    expectSameResult(first.result, whole, 'streamed');
    expect(importCsvCached(bytes, { symbol: 'SYN' }, b).cached).toBe(true);
    expect(importCsvFileCached(file, { symbol: 'OTHER' }, b).cached).toBe(false);
  });
});
