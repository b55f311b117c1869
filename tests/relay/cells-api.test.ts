import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, login, startFakeRelay, type TestRelay } from './helpers.ts';
import { openSqliteStore, type SqliteEngineStore } from '../../relay/store/sqlite-store.ts';
import { BUILTIN_CELLS } from '../../workers/lab/builtin-cells.ts';
import { SimulatedClock } from '../../workers/trading/clock.ts';
import { bundled } from '../helpers/bundled.ts';

const CROSS = (fast: number) => `long when crosses_above(ema(close, ${fast}), ema(close, 21)) and rsi(14) < 70\nshort when crosses_below(ema(close, ${fast}), ema(close, 21))\nstop 2 * atr(14)\ntarget 3 * atr(14)\n`;

describe('the cells API on a real relay (SQLite store, bundled EURUSD H1)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-cells-api-'));
  let store: SqliteEngineStore;
  let relay: TestRelay;
  let h: ReturnType<typeof api>;
  const clock = new SimulatedClock(Date.UTC(2026, 11, 4, 8, 30));
  beforeAll(async () => {
    store = openSqliteStore(join(dir, 'tradeguard.sqlite'));
    await store.bars.put(bundled('EURUSD'));
    relay = await startFakeRelay({ store, now: () => clock.now() });
    h = api(relay, await login(relay));
  }, 60_000);
  afterAll(async () => {
    await relay.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses without a session', async () => {
    const r = await fetch(`${relay.url}/api/cells`);
    expect(r.status).toBe(401);
  });

  it('lists the built-in cells, seeded by TradeGuard and tested, with their status in words', async () => {
    const r = await h.get('/api/cells');
    expect(r.status).toBe(200);
    // Seeded together (one creation time): listed by id.
    expect(r.json.cells.map((c: any) => c.id)).toEqual(BUILTIN_CELLS.map((b) => b.name).sort());
    for (const c of r.json.cells) {
      expect(c.author).toEqual({ kind: 'person', name: 'TradeGuard' });
      expect(c.statusText).toMatch(/^(🟢 alive|💀 dead — .+)$/);
      expect(c.latest.symbol).toBe('EURUSD');
      expect(c.source).toBeUndefined();
    }
  });

  let created: any;
  it('POST /api/cells validates, backtests on EURUSD H1 and stores, with the tool that wrote it', async () => {
    clock.advanceTo(clock.now() + 60_000);
    const r = await h.post('/api/cells', { source: CROSS(9), name: 'EMA cross with RSI', author: { kind: 'tool', name: 'claude (for Ann)' }, hypothesis: 'EMA crosses catch trends; RSI avoids buying the top.', category: 'momentum' });
    expect(r.status).toBe(201);
    created = r.json.cell;
    expect(created).toMatchObject({ name: 'EMA cross with RSI', author: { kind: 'tool', name: 'claude (for Ann)' }, parentId: null, generation: 0, createdAt: clock.now(), category: 'momentum' });
    expect(created.results[0]).toMatchObject({ symbol: 'EURUSD', timeframe: 'H1' });
    expect(created.results[0].metrics.trades).toBeGreaterThan(10);
    expect(created.statusText).toMatch(/^(🟢 alive|💀 dead — .+)$/);
    expect(r.json.warnings).toEqual([]);
    // Stored in SQLite, as the API answered.
    const { statusText: _t, ...stored } = created;
    expect(await store.cells.get(created.id)).toEqual(stored);
  });

  it('refuses a broken source with the editor\'s diagnostics: line, column, message, hint; nothing stored', async () => {
    const before = (await store.cells.list()).length;
    const r = await h.post('/api/cells', { source: 'long when rsi(14) < 30\nshort when rsii(14) > 70\n', name: 'typo', author: { kind: 'person', name: 'Ann' }, hypothesis: 'x', category: 'mean-reversion' });
    expect(r.status).toBe(400);
    expect(r.json.field).toBe('source');
    expect(r.json.errors).toHaveLength(1);
    expect(r.json.errors[0]).toMatchObject({ line: 2, column: 12 });
    expect(r.json.errors[0].message).toMatch(/rsii/);
    expect(r.json.errors[0].hint).toMatch(/rsi/);
    expect(r.json.error).toBe(`source: line 2, column 12: ${r.json.errors[0].message}`);
    expect((await store.cells.list()).length).toBe(before);
  });

  it('refuses bad fields by name, an unknown parent as 404, and bars that are not stored', async () => {
    const base = { source: CROSS(9), name: 'x', author: { kind: 'person', name: 'Ann' }, hypothesis: 'x', category: 'momentum' };
    let r = await h.post('/api/cells', { ...base, category: 'vibes' });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ field: 'category', error: 'category: must be one of momentum, mean-reversion, breakout, regime, other' });
    r = await h.post('/api/cells', { ...base, author: { kind: 'robot', name: 'x' } });
    expect(r.json).toMatchObject({ field: 'author.kind' });
    r = await h.post('/api/cells', { ...base, parent: 'no-such-cell' });
    expect(r.status).toBe(404);
    expect(r.json.error).toBe('parent: no cell no-such-cell');
    r = await h.post('/api/cells', { ...base, symbol: 'GBPUSD' });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('symbol: no stored GBPUSD H1 bars to test on; import them first');
    r = await h.post('/api/cells', { ...base, timeframe: 'H7' });
    expect(r.json.field).toBe('timeframe');
  });

  let child: any;
  it('POST /api/cells/:id/fork makes a child: parent, mutation, generation + 1', async () => {
    clock.advanceTo(clock.now() + 3_600_000);
    const r = await h.post(`/api/cells/${created.id}/fork`, { mutation: 'fast EMA 9 -> 12', source: CROSS(12), author: { kind: 'evolution', name: 'run 1' } });
    expect(r.status).toBe(201);
    child = r.json.cell;
    expect(child).toMatchObject({ parentId: created.id, mutation: 'fast EMA 9 -> 12', generation: 1, name: created.name, hypothesis: created.hypothesis, createdAt: clock.now(), author: { kind: 'evolution', name: 'run 1' } });
    expect((await h.post(`/api/cells/${created.id}/fork`, { source: CROSS(12), author: { kind: 'person', name: 'Ann' } })).json.field).toBe('mutation');
    expect((await h.post('/api/cells/nope/fork', { mutation: 'x', source: CROSS(12), author: { kind: 'person', name: 'Ann' } })).status).toBe(404);
    const bad = await h.post(`/api/cells/${created.id}/fork`, { mutation: 'x', source: 'long when (close > 1\n', author: { kind: 'person', name: 'Ann' } });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0]).toMatchObject({ line: 1 });
  });

  it('GET /api/cells/:id: the source, results, parent and children', async () => {
    const r = await h.get(`/api/cells/${created.id}`);
    expect(r.status).toBe(200);
    expect(r.json.cell.source).toBe(CROSS(9));
    expect(r.json.cell.results).toEqual(created.results);
    expect(r.json.parent).toBeNull();
    expect(r.json.children.map((c: any) => c.id)).toEqual([child.id]);
    const c = await h.get(`/api/cells/${child.id}`);
    expect(c.json.parent.id).toBe(created.id);
    expect((await h.get('/api/cells/nope')).status).toBe(404);
    const list = (await h.get('/api/cells')).json.cells.map((x: any) => x.id);
    expect(list.slice(-2)).toEqual([created.id, child.id]);
  });

  it('a stored cell is accepted as an agent\'s alpha (lab:<id>) by the backtest route', async () => {
    const agent = { id: 'cellagent', name: 'cell agent', alpha: { kind: 'rule', strategy: `lab:${child.id}`, params: {} }, sizing: { kind: 'risk', riskPct: 1 }, maxPositionPct: 1000, stopAtr: 2, targetAtr: null, trailAtr: null, atrPeriod: 14 };
    const r = await h.post('/api/backtests', { agent, symbols: ['EURUSD'], timeframe: 'H1' });
    expect(r.status).toBe(200);
    expect(r.json.metrics.trades).toBe(child.results[0].metrics.trades);
    const unknown = await h.post('/api/backtests', { agent: { ...agent, alpha: { kind: 'rule', strategy: 'lab:never-stored', params: {} } }, symbols: ['EURUSD'], timeframe: 'H1' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.field).toBe('agent.alpha.strategy');
  });
});
