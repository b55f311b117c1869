import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, login, startFakeRelay, until, type FakeHost, type TestRelay } from './helpers.ts';
import { sharedCsvImportPool } from '../../relay/ops/csv-import-pool.ts';
import { importBarsCsv, describeImport } from '../../workers/market/csv.ts';
import { syntheticBars } from '../../bench/lib.ts';
import { formatBarsCsv } from '../../workers/market/csv.ts';

/** A CSV of `n` synthetic M1 bars (about 60 bytes a row). */
function csvOf(n: number): string {
  const s = syntheticBars(n);
  for (let i = 0; i < n; i++) s.time[i] = Date.UTC(2020, 0, 6) + i * 60_000;
  return formatBarsCsv({ ...s, timeframe: 'M1' });
}

describe('CSV imports on a worker thread', () => {
  let relay: TestRelay & { host: FakeHost };
  let h: ReturnType<typeof api>;
  beforeAll(async () => {
    relay = await startFakeRelay({ env: { TG_MAX_UPLOAD_MB: '256' } });
    h = api(relay, await login(relay));
  });
  afterAll(async () => {
    await relay.close();
  });

  it('stores what the engine\'s own import reads from the same text, bar for bar, and refuses bad rows and blank bodies the same way', async () => {
    const text = csvOf(5_000);
    const r = await h.post('/api/bars?symbol=thread&timeframe=M1', text, { 'content-type': 'text/csv' });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const local = importBarsCsv(text, { symbol: 'THREAD', timeframe: 'M1' });
    expect(r.json).toMatchObject({ ok: true, symbol: 'THREAD', timeframe: 'M1', bars: 5_000, report: describeImport(local.report) });
    const stored = await relay.store.bars.get('THREAD', 'M1');
    for (const k of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) expect(Array.from(stored![k])).toEqual(Array.from(local.series![k]));

    const broken = text.replace(/\n(.*?),([\d.]+),([\d.]+),([\d.]+),/, '\n$1,$2,$4,$3,'); // line 2: high and low swapped
    const bad = await h.post('/api/bars?symbol=THREADBAD', broken, { 'content-type': 'text/csv' });
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('body');
    expect(bad.json.error).toBe(describeImport(importBarsCsv(broken, { symbol: 'THREADBAD' }).report));
    const blank = await h.post('/api/bars?symbol=X', ' \n\t\n', { 'content-type': 'text/csv' });
    expect([blank.status, blank.json.field, blank.json.error]).toEqual([400, 'body', 'body: is empty; send the CSV file as the request body']);
  });

  it('while a big file is being parsed, /health and the API answer (the parse is not on the relay\'s event loop)', async () => {
    const text = csvOf(400_000); // ~25 MB: a second or more of parsing
    const pool = sharedCsvImportPool();
    const order: string[] = [];
    const upload = h.post('/api/bars?symbol=BIG&timeframe=M1', text, { 'content-type': 'text/csv' }).then((r) => {
      order.push('import');
      return r;
    });
    // Once the file is on the worker, the relay's own loop is free: these are answered while it parses.
    await until(() => pool.active > 0, 30_000, 'the import to reach the worker');
    const health = await fetch(`${relay.url}/health`);
    expect(health.status).toBe(200);
    expect((await h.get('/api/status')).status).toBe(200);
    order.push('health');
    const done = await upload;
    expect(done.status, JSON.stringify(done.json)).toBe(200);
    expect(done.json.bars).toBe(400_000);
    expect(order).toEqual(['health', 'import']);
  });
});
