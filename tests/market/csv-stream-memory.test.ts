import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A streamed import's peak memory is the bar columns plus a piece or two: the
// file is never held. Measured in a child process (its own peak resident set)
// on a generated ~250 MB file, against the same child reading the file whole.

const ROWS = 2_500_000;
const PIECE = 1 << 20;
const CHILD = fileURLToPath(new URL('./csv-stream-memory-child.ts', import.meta.url));
let dir: string;
let file: string;

/** M1 bars with prices printed shortest (16-18 digits, like any double a program writes): about 100 bytes a row. Each day repeats the first day's prices, to write fast. */
function writeBars(path: string, rows: number): void {
  const fd = openSync(path, 'w');
  const dayRows = Array.from({ length: 1440 }, (_, m) => {
    const p = 1.1 + 0.01 * Math.sin(m / 100) + 1e-4 * Math.sin(m);
    return ` ${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00,${p},${p + 0.0007},${p - 0.0007},${p + 0.0003},${m}\n`;
  });
  writeSync(fd, 'time,open,high,low,close,volume\n');
  for (let d = 0; d * 1440 < rows; d++) {
    const day = new Date(Date.UTC(2000, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
    const n = Math.min(1440, rows - d * 1440);
    let block = '';
    for (let m = 0; m < n; m++) block += day + dayRows[m];
    writeSync(fd, block);
  }
  closeSync(fd);
}

function importInChild(mode: 'stream' | 'whole'): { ok: boolean; rows: number; errors: string[]; beforeKB: number; afterKB: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, file, mode, String(PIECE)], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tg-csv-memory-'));
  file = join(dir, 'SYN_M1.csv');
  writeBars(file, ROWS);
}, 30_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a ~250 MB CSV streamed in 1 MB pieces grows the process by its columns, not by the file', { timeout: 60_000 }, () => {
  const fileBytes = statSync(file).size;
  expect(fileBytes).toBeGreaterThan(200e6);
  const columns = ROWS * 6 * 8;
  const streamed = importInChild('stream');
  expect(streamed.errors).toEqual([]);
  expect(streamed.rows).toBe(ROWS);
  const grewBy = (streamed.afterKB - streamed.beforeKB) * 1024;
  expect(grewBy).toBeLessThan(columns + fileBytes / 4);
  expect(streamed.afterKB * 1024).toBeLessThan(fileBytes);
  // The control: the same measure, reading the file whole, sees the file held beside the columns.
  const whole = importInChild('whole');
  expect(whole.rows).toBe(ROWS);
  expect((whole.afterKB - whole.beforeKB) * 1024).toBeGreaterThan(fileBytes + columns / 2);
  console.log(`file ${(fileBytes / 1e6).toFixed(0)} MB, columns ${(columns / 1e6).toFixed(0)} MB; peak grew by ${(grewBy / 1e6).toFixed(0)} MB streamed (peak ${(streamed.afterKB / 1e3).toFixed(0)} MB), ${(((whole.afterKB - whole.beforeKB) * 1024) / 1e6).toFixed(0)} MB read whole`);
});
