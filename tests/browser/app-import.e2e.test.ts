/**
 * Imports in the real app (a production build in Chromium): a broken model
 * bundle and a broken CSV each show what is wrong and store NOTHING (checked in
 * IndexedDB itself, not in the UI), and a good CSV lands in the stored-bars table.
 *
 * Chromium: the system's when there is one, else the one npm ci installed (@sparticuz/chromium);
 * TRADEGUARD_BROWSER=bundled|system or TRADEGUARD_CHROMIUM=/path choose (tests/browser/chromium.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAppHarness, type AppHarness } from './app-harness.ts';
import { bytesOf, mlp, WIDTH } from '../bundle/fixtures.ts';
import type { ModelManifest } from '../../workers/models/bundle/manifest.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

const DB = 'tradeguard';
let harness: AppHarness;
let page: Page;

beforeAll(async () => {
  // Slow replay: the engine seeds the demo workspace but hardly writes while we look.
  harness = await startAppHarness({ speed: 1 });
  page = await harness.newPage('#/models');
  // "Nothing stored" compares IndexedDB before and after: start from the seeded demo, not midway through seeding it.
  await vi.waitFor(async () => expect((await idb(page)).models.filter((id) => id.includes(':demo-'))).toHaveLength(3), { timeout: 120_000, interval: 250 });
});

afterAll(async () => {
  await harness?.close();
});

/** What IndexedDB holds: bar series summaries, chunk keys, model ids. Read straight from the database. */
function idb(p: Page): Promise<{ series: { series: string; count: number }[]; chunkSeries: string[]; models: string[] }> {
  return p.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const all = <T,>(store: string, keys = false) =>
      new Promise<T[]>((res, rej) => {
        const r = keys ? db.transaction(store).objectStore(store).getAllKeys() : db.transaction(store).objectStore(store).getAll();
        r.onsuccess = () => res(r.result as T[]);
        r.onerror = () => rej(r.error);
      });
    const series = (await all<{ series: string; count: number }>('barSeries')).map((s) => ({ series: s.series, count: s.count }));
    const chunkSeries = [...new Set((await all<[string, number]>('barChunks', true)).map((k) => k[0]))];
    const models = (await all<string>('models', true)).map(String);
    db.close();
    return { series, chunkSeries, models };
  }, DB);
}

function guardManifest(over: Partial<ModelManifest> = {}): ModelManifest {
  return {
    format: 'tradeguard-model/1',
    role: 'guard',
    name: 'e2e-guard',
    version: '1.0.0',
    featureSpec: 'risk-obs-v1',
    input: { name: 'features', shape: ['N', WIDTH] },
    scaler: null,
    outputs: { kind: 'allow-probability', output: 'allow' },
    timeframe: 'H1',
    symbols: ['EURUSD'],
    training: { from: '2017-01-01', to: '2017-06-30' },
    metrics: { auc: 0.55 },
    ...over,
  };
}

const file = (name: string, data: string | Uint8Array, mimeType = 'application/octet-stream') => ({ name, mimeType, buffer: Buffer.from(data) });

describe('model bundles', () => {
  it('a corrupt model.onnx is refused with its problems listed, and nothing is stored', async () => {
    await page.waitForSelector('[data-view="models"]');
    const before = await idb(page);
    const garbage = new Uint8Array(400).map((_, i) => (i * 37 + 11) & 0xff);
    await page.setInputFiles('[data-input="model-files"]', [file('model.onnx', garbage), file('manifest.json', JSON.stringify(guardManifest({ name: 'broken-onnx' })), 'application/json')]);
    const refused = page.locator('[data-model-import="refused"]');
    await refused.waitFor({ timeout: 60_000 });
    const problems = await refused.locator('[data-problem]').allTextContents();
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join(' ')).toMatch(/onnx|model|decode|protobuf/i);
    expect(await refused.textContent()).toContain('nothing stored');
    const after = await idb(page);
    expect(after.models).toEqual(before.models);
    expect(after.models.some((id) => id.includes('broken-onnx'))).toBe(false);
  });

  it('a sound model with a manifest that does not match it is refused by name of the field, and nothing is stored', async () => {
    const before = await idb(page);
    const onnx = bytesOf(mlp(1, 'sigmoid', { outputName: 'allow' }));
    const bad = guardManifest({ name: 'wrong-output', outputs: { kind: 'allow-probability', output: 'allowed' } });
    await page.setInputFiles('[data-input="model-files"]', [file('model.onnx', onnx), file('manifest.json', JSON.stringify(bad), 'application/json')]);
    const refused = page.locator('[data-model-import="refused"]');
    await refused.waitFor({ timeout: 60_000 });
    expect(await refused.textContent()).toContain("no output named 'allowed'");
    expect((await idb(page)).models).toEqual(before.models);
  });

  it('the same model with a matching manifest is imported and listed (the refusals above were about the files)', async () => {
    const onnx = bytesOf(mlp(1, 'sigmoid', { outputName: 'allow' }));
    await page.setInputFiles('[data-input="model-files"]', [file('model.onnx', onnx), file('manifest.json', JSON.stringify(guardManifest()), 'application/json')]);
    await page.locator('[data-model-import="ok"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-model="guard:e2e-guard@1.0.0"]').waitFor();
    expect((await idb(page)).models).toContain('guard:e2e-guard@1.0.0');
  });
});

describe('deleting models', () => {
  it('refuses to delete a model an agent uses, naming the agent, and deletes one no agent uses', async () => {
    const used = page.locator('[data-model="alpha:demo-alpha@1.1.0"]');
    await used.waitFor();
    await used.locator('[data-action="delete-model"]').click();
    const refusal = page.locator('[data-delete-result="refused"]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('demo-chain');
    expect((await idb(page)).models).toContain('alpha:demo-alpha@1.1.0');

    await page.locator('[data-model="guard:e2e-guard@1.0.0"] [data-action="delete-model"]').click();
    await page.locator('[data-delete-result="ok"]').waitFor();
    await page.locator('[data-model="guard:e2e-guard@1.0.0"]').waitFor({ state: 'detached' });
    expect((await idb(page)).models).not.toContain('guard:e2e-guard@1.0.0');
  });
});

describe('bar CSV', () => {
  const eurusd = readFileSync(fileURLToPath(new URL('../../public/data/EURUSD.csv', import.meta.url)), 'utf8').split('\n');

  it('a CSV with bad rows is refused, each bad row shown by line, and no bar is stored', async () => {
    await page.goto(`${harness.origin}/#/data`);
    await page.waitForSelector('[data-view="data"]');
    const lines = eurusd.slice(0, 300);
    // Line numbers are 1-based with the header as line 1.
    lines[3] = lines[3].replace(/^([^,]+),([^,]+),([^,]+),([^,]+),/, '$1,$2,$3,9.9,'); // Low 9.9 > High
    lines[9] = lines[9].replace(/^([^,]+),([^,]+),/, '$1,abc,'); // Open not a number
    await page.setInputFiles('[data-input="csv-file"]', file('BROKENFX_H1.csv', lines.join('\n'), 'text/csv'));
    expect(await page.inputValue('[data-input="csv-symbol"]')).toBe('BROKENFX');
    await page.click('[data-action="import-csv"]');
    const result = page.locator('[data-import-result="refused"]');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.textContent()).toContain('Refused');
    expect(await result.locator('[data-bad-line]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-bad-line'))))).toEqual([4, 10]);
    expect(await result.locator('[data-bad-line="4"]').textContent()).toContain('High');
    const db = await idb(page);
    expect(db.series.map((s) => s.series).filter((s) => s.includes('BROKENFX'))).toEqual([]);
    expect(db.chunkSeries.filter((s) => s.includes('BROKENFX'))).toEqual([]);
    expect(await page.locator('[data-series^="BROKENFX"]').count()).toBe(0);
  });

  it('a full disk is reported as such, and the import leaves nothing behind', async () => {
    // The browser refuses the chunk writes as a full quota does (IndexedDB throws QuotaExceededError).
    await page.evaluate(() => {
      const proto = IDBObjectStore.prototype as IDBObjectStore & { __put?: IDBObjectStore['put'] };
      proto.__put = proto.put;
      proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        if (this.name === 'barChunks') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return proto.__put!.apply(this, args);
      };
    });
    try {
      await page.setInputFiles('[data-input="csv-file"]', file('FULLFX_H1.csv', eurusd.slice(0, 400).join('\n'), 'text/csv'));
      await page.click('[data-action="import-csv"]');
      const err = page.locator('[data-store-error]');
      await err.waitFor({ timeout: 60_000 });
      expect(await err.textContent()).toMatch(/storage for TradeGuard is full.*Nothing was stored/);
    } finally {
      await page.evaluate(() => {
        const proto = IDBObjectStore.prototype as IDBObjectStore & { __put?: IDBObjectStore['put'] };
        if (proto.__put) proto.put = proto.__put;
      });
    }
    const db = await idb(page);
    expect(db.series.filter((s) => s.series.includes('FULLFX'))).toEqual([]);
    expect(db.chunkSeries.filter((s) => s.includes('FULLFX'))).toEqual([]);
  });

  it('a good CSV is imported, shown in the stored-bars table and stored in full', async () => {
    const lines = eurusd.slice(0, 501);
    await page.setInputFiles('[data-input="csv-file"]', file('goodfx-h1.csv', lines.join('\n'), 'text/csv'));
    expect(await page.inputValue('[data-input="csv-symbol"]')).toBe('GOODFX');
    await page.click('[data-action="import-csv"]');
    await page.locator('[data-import-result="ok"]').waitFor({ timeout: 60_000 });
    const row = page.locator('[data-series="GOODFX|H1"]');
    await row.waitFor();
    expect(await row.locator('[data-count]').textContent()).toBe('500');
    const db = await idb(page);
    expect(db.series.find((s) => s.series.includes('GOODFX'))?.count).toBe(500);
    expect(harness.blocked).toEqual([]);
  });

  it('shows what it guessed from the whole file name before importing, and the guess can be edited', async () => {
    // Not the first word ("BAD"): the known symbol and the timeframe tokens wherever they are.
    await page.setInputFiles('[data-input="csv-file"]', file('BAD_EURUSD_H1.csv', eurusd.slice(0, 11).join('\n'), 'text/csv'));
    const note = page.locator('[data-name-guess]');
    await note.waitFor();
    expect(await note.locator('[data-guess-symbol]').textContent()).toBe('EURUSD');
    expect(await note.locator('[data-guess-timeframe]').textContent()).toBe('H1');
    expect(await page.inputValue('[data-input="csv-symbol"]')).toBe('EURUSD');
    expect(await page.inputValue('[data-input="csv-timeframe"]')).toBe('H1');
    // Nothing was imported by choosing the file.
    expect(await page.locator('[data-import-result]').count()).toBe(0);
    await page.fill('[data-input="csv-symbol"]', 'EURUSDX');
    expect(await page.inputValue('[data-input="csv-symbol"]')).toBe('EURUSDX');
  });
});
