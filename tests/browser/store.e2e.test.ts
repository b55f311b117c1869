/**
 * The Dexie store in real Chromium (IndexedDB, not fake-indexeddb): 1,000,000 bars
 * imported in the engine's place (a module worker) and in a window, read back after
 * reopening the database, bit for bit. Timing is the bench's business
 * (bench/browser-store.bench.ts), not asserted here.
 *
 * Chromium: the system's when there is one, else the one npm ci installed (@sparticuz/chromium);
 * TRADEGUARD_BROWSER=bundled|system or TRADEGUARD_CHROMIUM=/path choose (tests/browser/chromium.ts).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { syntheticBars } from '../../bench/lib.ts';
import { crc32 } from '../../workers/store/crc32.ts';
import { startBrowserHarness, type BrowserHarness } from './harness.ts';
import type { StoreApi, StoreRequest, StoreResponse } from './fixture/store-bench.ts';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

let harness: BrowserHarness;
let page: Page;
beforeAll(async () => {
  harness = await startBrowserHarness(['store.html', 'store-bench.ts']);
  page = await harness.open('store.html', 'tradeguardStore');
});
afterAll(async () => {
  await harness?.close();
});

const run = (req: StoreRequest): Promise<StoreResponse> => page.evaluate((r) => (globalThis as unknown as { tradeguardStore: StoreApi }).tradeguardStore.run(r), req);

/** What Node computes for the same synthetic series: the browser's read-back must match it. */
function expectedCrc(n: number): number[] {
  const s = syntheticBars(n, 7);
  return [s.time, s.open, s.high, s.low, s.close, s.volume].map((c) => crc32(new Uint8Array(c.buffer)));
}

describe('Dexie store in Chromium', () => {
  const N = 1_000_000;
  const crc = expectedCrc(N);

  for (const where of ['worker', 'window'] as const) {
    it(`imports ${N.toLocaleString('en-US')} bars in a ${where} and reads them back exactly after reopening`, async () => {
      const res = await run({ op: 'store', where, bars: N });
      if (!res.ok) throw new Error(`browser store failed: ${res.error}`);
      expect(res.mismatch).toBe('');
      expect([res.exact, res.bars, res.persisted]).toEqual([true, N, N]);
      expect(res.crc).toEqual(crc);
      console.info(`Chromium ${where}: ${N} bars imported in ${res.importMs.toFixed(0)} ms, read back in ${res.readMs.toFixed(0)} ms`);
    });
  }

  it('asked for nothing off loopback', () => {
    expect(harness.blocked).toEqual([]);
  });
});
