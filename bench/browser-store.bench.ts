import { startBrowserHarness } from '../tests/browser/harness.ts';
import type { StoreApi, StoreRequest, StoreResponse } from '../tests/browser/fixture/store-bench.ts';
import { quantile, type BenchRow } from './lib.ts';

/**
 * Importing 1,000,000 bars into the browser store (app/store/dexie-store.ts: columnar
 * chunks in IndexedDB) in a Chromium module worker, where the engine keeps its store,
 * and reading them back after reopening the database; median of RUNS runs. The peer,
 * in the same run and page: a row per bar (one object per bar keyed
 * [symbol+timeframe+time], one bulkPut transaction, read back with toArray) over
 * 100,000 bars, its time scaled x10 (1M rows would take minutes). A second row sets
 * the store against its floor: the same chunk bytes through bare IndexedDB, no Dexie,
 * interleaved run by run with the store's.
 *
 * Page: tests/browser/fixture/store.html + store-bench.ts, served by Vite on loopback
 * (tests/browser/harness.ts); the worker times itself, so postMessage is not counted.
 */
const N = 1_000_000;
const PEER_N = 100_000;
const RUNS = 3;
const TARGET_MS = 3000;

export default async function (): Promise<BenchRow[]> {
  const harness = await startBrowserHarness(['store.html', 'store-bench.ts']);
  try {
    const page = await harness.open('store.html', 'tradeguardStore');
    const run = async (req: StoreRequest) => {
      const res: StoreResponse = await page.evaluate((r) => (globalThis as unknown as { tradeguardStore: StoreApi }).tradeguardStore.run(r), req);
      if (!res.ok) throw new Error(`browser store bench failed: ${res.error}`);
      if (!res.exact) throw new Error(`browser store bench read back different bars: ${res.mismatch}`);
      return res;
    };
    const ours: Extract<StoreResponse, { ok: true }>[] = [];
    const raw: Extract<StoreResponse, { ok: true }>[] = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(await run({ op: 'store', where: 'worker', bars: N }));
      raw.push(await run({ op: 'raw-chunks', where: 'worker', bars: N }));
    }
    const peer = await run({ op: 'row-per-bar', where: 'worker', bars: PEER_N });
    if (harness.blocked.length) throw new Error(`the bench page asked for non-loopback URLs: ${harness.blocked.join(', ')}`);
    const median = (k: 'importMs' | 'readMs', of = ours) => quantile(of.map((r) => r[k]), 0.5);
    process.stdout.write(`(import runs: ${ours.map((r) => r.importMs.toFixed(0)).join(', ')} ms; bare IndexedDB: ${raw.map((r) => r.importMs.toFixed(0)).join(', ')} ms; peer ${PEER_N} rows: ${peer.importMs.toFixed(0)} ms import, ${peer.readMs.toFixed(0)} ms read)\n`);
    const importMs = median('importMs');
    return [
      {
        name: '1M bars imported into IndexedDB (Dexie store, columnar chunks), Chromium worker',
        value: importMs,
        unit: 'ms',
        higherIsBetter: false,
        peer: 'a row per bar, one bulkPut transaction (100k bars, x10)',
        peerValue: (peer.importMs * N) / PEER_N,
        target: `<= ${TARGET_MS} ms`,
        targetMet: importMs <= TARGET_MS,
      },
      {
        name: '1M bars imported into IndexedDB (Dexie store), against the floor',
        value: importMs,
        unit: 'ms',
        higherIsBetter: false,
        peer: 'the same chunk bytes put with bare IndexedDB in one transaction',
        peerValue: median('importMs', raw),
      },
      {
        name: '1M bars read back after reopening (Dexie store), Chromium worker',
        value: median('readMs'),
        unit: 'ms',
        higherIsBetter: false,
        peer: 'a row per bar, toArray (100k bars, x10)',
        peerValue: (peer.readMs * N) / PEER_N,
      },
    ];
  } finally {
    await harness.close();
  }
}
