import Dexie from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createDexieStore, StorageFullError } from '../../app/store/dexie-store.ts';
import { DEXIE_SCHEMA } from '../../app/store/dexie-schema.ts';
import { storageError } from '../../app/store/storage-full.ts';
import type { BarSeries } from '../../workers/market/bar.ts';
import { mergeSeries } from '../../workers/market/merge.ts';
import { agentRecord, barsAt, dumpWorkspace, eventBatches, expectSameBars, range } from './helpers.ts';

const open = (name = 'w', schemaVersion?: number, indexedDB = new IDBFactory()) => ({ store: createDexieStore(name, { indexedDB, IDBKeyRange, ...(schemaVersion ? { schemaVersion } : {}) }), indexedDB });
const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

describe('Dexie store: bars at rest', () => {
  it('keeps bars as columnar chunks of at most 25k bars, not a row per bar; live bars go to a small tail chunk', async () => {
    const { store } = open();
    const counts = async () => (await store.db.table('barChunks').toArray()).map((c) => c.count);
    const puts = [barsAt('EURUSD', range(0, 60_000), 1)];
    await store.bars.put(puts[0]);
    expect(await counts()).toEqual([25_000, 25_000, 10_000]);
    expect((await store.db.table('barChunks').toArray())[1].data.byteLength).toBe(16 + 25_000 * (4 + 5 * 8)); // bar-codec.ts
    // A live bar does not rewrite the 10k chunk (480 KB) but starts a tail; a big enough append fills a chunk.
    for (const p of [[60_000], [60_001], [60_002], range(60_003, 3_000), range(63_003, 1_000)]) {
      puts.push(barsAt('EURUSD', p, 2));
      await store.bars.put(puts[puts.length - 1]);
    }
    expect(await counts()).toEqual([25_000, 25_000, 10_000, 4_003]);
    expectSameBars(await store.bars.get('EURUSD', 'H1'), puts.reduce<BarSeries | null>((a, p) => mergeSeries(a, p), null));
  });
});

describe('Dexie store: every write lands whole or not at all', () => {
  it('a bar put that fails on its last chunk leaves the stored bars as they were', async () => {
    const { store } = open();
    const before = barsAt('EURUSD', range(0, 30_000), 1);
    await store.bars.put(before);
    store.db.table('barChunks').hook('creating', (_k, row: { start: number }) => {
      if (row.start === 50_000 * 3_600_000) throw new Error('injected failure');
    });
    await expect(store.bars.put(barsAt('EURUSD', range(10_000, 50_000), 2))).rejects.toThrow(/injected failure/);
    expectSameBars(await store.bars.get('EURUSD', 'H1'), before);
    expect(await store.bars.list()).toEqual([{ symbol: 'EURUSD', timeframe: 'H1', count: 30_000, first: 0, last: 29_999 * 3_600_000 }]);
  });

  it('an append that fails while writing a view leaves no event and no view row behind', async () => {
    const { store } = open();
    const [first, second] = eventBatches();
    await store.events.append(first);
    const before = await dumpWorkspace(store);
    store.db.table('trades').hook('creating', () => {
      throw new Error('injected failure');
    });
    await expect(store.events.append(second)).rejects.toThrow(/injected failure/);
    expect(await dumpWorkspace(store)).toEqual(before);
    expect(await store.events.has(second[0].id)).toBe(false);
  });
});

describe('Dexie store: a full disk', () => {
  it('says the storage is full, what was being written, and that nothing was stored', async () => {
    const { store } = open();
    await store.bars.put(barsAt('EURUSD', range(0, 10), 1));
    store.db.table('barChunks').hook('creating', () => {
      throw quota();
    });
    const err = await store.bars.put(barsAt('EURUSD', range(100, 30_000), 2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as Error).message).toMatch(/storage for TradeGuard is full: could not store 30000 bars of EURUSD H1\. Nothing was stored\./);
    expect((await store.bars.get('EURUSD', 'H1'))!.time.length).toBe(10);
  });

  it('recognises the quota error however Dexie wraps it, and leaves other errors alone', () => {
    const wrapped = [quota(), new Dexie.AbortError('Transaction aborted', quota()), new Dexie.QuotaExceededError('quota'), { name: 'BulkError', failures: [quota()] }];
    for (const e of wrapped) expect(storageError(e, 'x')).toBeInstanceOf(StorageFullError);
    const other = new Dexie.ConstraintError('duplicate key');
    expect(storageError(other, 'x')).toBe(other);
  });
});

describe('Dexie store: schema migrations', () => {
  it('opens a version-1 database with data and upgrades it to the current version', async () => {
    const v1 = open('migrate', 1);
    await v1.store.agents.put(agentRecord('keep', 1));
    await v1.store.db.table('tradeNotes').put({ tradeId: 'p1', note: 'old', tags: [' fomo', 'fomo', '', 7, 'news'], updatedAt: 1 });
    expect(v1.store.db.verno).toBe(1);
    await v1.store.close();

    const current = open('migrate', undefined, v1.indexedDB);
    expect(await current.store.tradeNotes.get('p1')).toEqual({ tradeId: 'p1', note: 'old', tags: ['fomo', 'news'], updatedAt: 1 });
    expect((await current.store.tradeNotes.list({ tag: 'news' })).map((n) => n.tradeId)).toEqual(['p1']); // v2's index
    expect((await current.store.agents.get('keep'))?.config.id).toBe('keep');
    expect(current.store.db.verno).toBe(DEXIE_SCHEMA[DEXIE_SCHEMA.length - 1].version);
    await current.store.close();
  });
});
