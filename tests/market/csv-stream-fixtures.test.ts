import { describe, expect, it, vi } from 'vitest';
import type { ImportOptions } from '../../workers/market/csv-import.ts';
import { expectSameAsWhole } from './csv-stream-helpers.ts';

// Every import the existing CSV tests make (each fixture, each option) is also
// streamed (workers/market/csv-import-stream.ts) in pieces of several sizes,
// down to one byte, and must come out as the whole-buffer import, bit for bit.
let checked = 0;

vi.mock('../../workers/market/csv.ts', async (importOriginal) => {
  const csv = await importOriginal<typeof import('../../workers/market/csv.ts')>();
  return {
    ...csv,
    importBarsCsv: (text: string, opts: ImportOptions) => {
      const bytes = new TextEncoder().encode(text);
      const whole = csv.importBarsCsv(text, opts);
      expectSameAsWhole(bytes, opts, whole);
      checked++;
      return whole;
    },
    importBarsCsvBytes: (bytes: Uint8Array, opts: ImportOptions) => {
      const whole = csv.importBarsCsvBytes(bytes, opts);
      expectSameAsWhole(bytes, opts, whole);
      checked++;
      return whole;
    },
  };
});
await import('./csv-formats.test.ts');
await import('./csv-bad-rows.test.ts');
await import('./csv-fast.test.ts');
await import('./csv-real.test.ts');
await import('./csv-write.test.ts');
await import('./csv-fast-cache.test.ts');
await import('./csv-large.test.ts');


it('checked every import the CSV tests above made', () => {
  expect(checked).toBeGreaterThan(50); // 84 when written: the hook was in place
});
