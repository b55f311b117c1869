/**
 * CSV import speed on the file: 1,000,000 seeded hourly bars (prices
 * printed shortest, 16-17 digits, about 100 MB), written to a temp folder.
 * TradeGuard: the file read as bytes and imported (importBarsCsvBytes, every
 * check and report on). Peers in the same run: the plain JavaScript way (text
 * decoded, split into lines and fields, Number and Date.parse, no checks), and
 * pandas.read_csv through /usr/bin/python3 when it is installed. Then the
 * same file streamed from disk in 16 MB pieces (importCsvFile: what the command
 * line does, never holding the file), against the whole-buffer import in the
 * same run; and imported again through the content-hash cache, from its bytes
 * and from the file (hashed in pieces).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBarsCsv, importBarsCsvBytes } from '../workers/market/csv.ts';
import { importCsvCached, importCsvFileCached } from '../relay/ops/csv-import-cache.ts';
import { importCsvFile } from '../relay/ops/csv-stream.ts';
import { syntheticBars, type BenchRow } from './lib.ts';

const BARS = 1_000_000;
const TARGET_MB_S = 150;
const RUNS = 3;

/** The fastest of RUNS runs of each, in seconds (the least disturbed by the rest of a busy machine), taken in turns so a burst of load falls on both. */
function bestOf(...fns: (() => void)[]): number[] {
  const s = fns.map(() => Infinity);
  for (let i = 0; i < RUNS; i++) {
    fns.forEach((fn, k) => {
      const t0 = performance.now();
      fn();
      s[k] = Math.min(s[k], (performance.now() - t0) / 1000);
    });
  }
  return s;
}

function best(fn: () => void): number {
  return bestOf(fn)[0];
}

/** What most JavaScript does with a CSV: decode, split, convert. No checks, no report. */
function plainJs(file: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  let n = 0;
  let sum = 0;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const f = lines[i].split(',');
    sum += Date.parse(`${f[0].replace(' ', 'T')}Z`) + Number(f[1]) + Number(f[2]) + Number(f[3]) + Number(f[4]) + Number(f[5]);
    n++;
  }
  if (!(sum > 0)) throw new Error('plain reader read nothing');
  return n;
}

/** Seconds pandas.read_csv takes on the file (best of RUNS, timed inside Python), or null without Python or pandas. */
function pandasSeconds(file: string): number | null {
  if (!existsSync('/usr/bin/python3')) return null;
  const script = `import sys, time\ntry:\n    import pandas as pd\nexcept ImportError:\n    print('none'); sys.exit(0)\nbest = 1e9\nfor _ in range(${RUNS}):\n    t0 = time.perf_counter(); df = pd.read_csv(sys.argv[1], index_col=0, parse_dates=True); best = min(best, time.perf_counter() - t0)\nassert len(df) == ${BARS}\nprint(best)\n`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' });
  const out = r.stdout.trim();
  return r.status === 0 && out !== 'none' && Number.isFinite(Number(out)) ? Number(out) : null;
}

export default function (): BenchRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'tg-bench-csv-'));
  try {
    const file = join(dir, 'synth.csv');
    writeFileSync(file, formatBarsCsv({ ...syntheticBars(BARS, 18), symbol: 'SYNTH', timeframe: 'H1' }));
    const mb = statSync(file).size / 1e6;
    const [ours, streamed] = bestOf(
      () => {
        const r = importBarsCsvBytes(readFileSync(file), { symbol: 'SYNTH' });
        if (r.report.rowsImported !== BARS) throw new Error(`imported ${r.report.rowsImported} bars: ${r.report.errors.join('; ')}`);
      },
      () => {
        const r = importCsvFile(file, { symbol: 'SYNTH' });
        if (r.report.rowsImported !== BARS) throw new Error(`streamed ${r.report.rowsImported} bars: ${r.report.errors.join('; ')}`);
      },
    );
    const plain = best(() => plainJs(file));
    // A first import through the cache: hashed, parsed, its entry written (a fresh folder each run).
    let fresh = 0;
    const [firstFile, firstBytes] = bestOf(
      () => {
        if (importCsvFileCached(file, { symbol: 'SYNTH' }, join(dir, `fresh-${fresh++}`)).cached) throw new Error('a fresh cache had the file');
      },
      () => {
        if (importCsvCached(readFileSync(file), { symbol: 'SYNTH' }, join(dir, `fresh-${fresh++}`)).cached) throw new Error('a fresh cache had the file');
      },
    );
    const cache = join(dir, 'cache');
    importCsvCached(readFileSync(file), { symbol: 'SYNTH' }, cache);
    const [cached, cachedFile] = bestOf(
      () => {
        if (!importCsvCached(readFileSync(file), { symbol: 'SYNTH' }, cache).cached) throw new Error('the second import did not come from the cache');
      },
      () => {
        if (!importCsvFileCached(file, { symbol: 'SYNTH' }, cache).cached) throw new Error('the file import did not come from the cache');
      },
    );
    const rows: BenchRow[] = [
      {
        name: `CSV import, 1M hourly bars (${Math.round(mb)} MB), read + parse + every check`,
        value: mb / ours,
        unit: 'MB/s',
        higherIsBetter: true,
        peer: 'plain JS (decode, split, Number, Date.parse; no checks)',
        peerValue: mb / plain,
        target: `>= ${TARGET_MB_S} MB/s`,
        targetMet: mb / ours >= TARGET_MB_S,
      },
      {
        name: 'the same file streamed from disk in 16 MB pieces (never held whole), parse + every check',
        value: mb / streamed,
        unit: 'MB/s',
        higherIsBetter: true,
        peer: 'the whole-buffer import above (file read whole)',
        peerValue: mb / ours,
        target: `>= ${TARGET_MB_S} MB/s`,
        targetMet: mb / streamed >= TARGET_MB_S,
      },
      {
        name: 'first import through the cache, as the command line does: hashed in pieces, then streamed, entry written',
        value: mb / firstFile,
        unit: 'MB/s',
        higherIsBetter: true,
        peer: 'the same from the file read whole (importCsvCached)',
        peerValue: mb / firstBytes,
      },
      {
        name: 'the same file again, from the content-hash cache (read, hash, columns)',
        value: mb / cached,
        unit: 'MB/s',
        higherIsBetter: true,
        peer: 'parsing it again',
        peerValue: mb / ours,
      },
      {
        name: 'the same, the file hashed in 16 MB pieces (importCsvFileCached, as the command line does)',
        value: mb / cachedFile,
        unit: 'MB/s',
        higherIsBetter: true,
        peer: 'from the cache, file read whole (row above)',
        peerValue: mb / cached,
      },
    ];
    const pandas = pandasSeconds(file);
    if (pandas === null) process.stdout.write('pandas.read_csv: skipped (no /usr/bin/python3 with pandas on this machine)\n');
    else rows.push({ name: 'CSV import, 1M hourly bars, vs pandas', value: mb / ours, unit: 'MB/s', higherIsBetter: true, peer: 'pandas.read_csv (parse_dates)', peerValue: mb / pandas });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
