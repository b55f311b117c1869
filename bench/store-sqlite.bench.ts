import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../relay/store/sqlite-store.ts';
import { quantile, syntheticBars, type BenchRow } from './lib.ts';

/**
 * Importing 1,000,000 bars into the relay's store (relay/store/sqlite-store.ts: columnar
 * chunks in BLOBs, WAL, synchronous=NORMAL) into a fresh file, and reading them back
 * after reopening it; median of RUNS runs. The peer, same settings and run: a row per
 * bar (symbol, timeframe, time primary key, five REAL columns), prepared INSERT in one
 * transaction over 100,000 bars, read back with one SELECT, its time scaled x10.
 */
const N = 1_000_000;
const PEER_N = 100_000;
const RUNS = 5;
const TARGET_MS = 2000;

async function ours(dir: string, i: number, bars: ReturnType<typeof syntheticBars>) {
  const file = join(dir, `ours-${i}.db`);
  const store = openSqliteStore(file);
  const t0 = performance.now();
  await store.bars.put(bars);
  const importMs = performance.now() - t0;
  store.close();
  const again = openSqliteStore(file);
  const t1 = performance.now();
  const back = await again.bars.get(bars.symbol, bars.timeframe);
  const readMs = performance.now() - t1;
  again.close();
  return { importMs, readMs, n: back?.time.length ?? 0 };
}

function rowPerBar(dir: string, bars: ReturnType<typeof syntheticBars>) {
  const db = new Database(join(dir, 'peer.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE bars (symbol TEXT, timeframe TEXT, time REAL, open REAL, high REAL, low REAL, close REAL, volume REAL, PRIMARY KEY (symbol, timeframe, time))');
  const insert = db.prepare('INSERT OR REPLACE INTO bars VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const t0 = performance.now();
  db.transaction(() => {
    for (let i = 0; i < bars.time.length; i++) insert.run(bars.symbol, bars.timeframe, bars.time[i], bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i]);
  })();
  const importMs = performance.now() - t0;
  const t1 = performance.now();
  const rows = db.prepare('SELECT * FROM bars WHERE symbol = ? AND timeframe = ? ORDER BY time').raw().all(bars.symbol, bars.timeframe);
  const readMs = performance.now() - t1;
  db.close();
  if (rows.length !== bars.time.length) throw new Error('row-per-bar peer lost rows');
  return { importMs, readMs };
}

export default async function (): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tradeguard-bench-sqlite-'));
  try {
    const bars = syntheticBars(N);
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await ours(dir, i, bars));
    if (runs.some((r) => r.n !== N)) throw new Error('the SQLite store read back a different number of bars');
    const peer = rowPerBar(dir, syntheticBars(PEER_N));
    const importMs = quantile(runs.map((r) => r.importMs), 0.5);
    process.stdout.write(`(import runs: ${runs.map((r) => r.importMs.toFixed(0)).join(', ')} ms)\n`);
    return [
      {
        name: '1M bars imported into SQLite (relay store, columnar chunks, WAL)',
        value: importMs,
        unit: 'ms',
        higherIsBetter: false,
        peer: 'a row per bar, prepared INSERT in one transaction (100k bars, x10)',
        peerValue: (peer.importMs * N) / PEER_N,
        target: `<= ${TARGET_MS} ms`,
        targetMet: importMs <= TARGET_MS,
      },
      {
        name: '1M bars read back after reopening (relay store)',
        value: quantile(runs.map((r) => r.readMs), 0.5),
        unit: 'ms',
        higherIsBetter: false,
        peer: 'a row per bar, one SELECT (100k bars, x10)',
        peerValue: (peer.readMs * N) / PEER_N,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
