import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, FakeHost, login, startFakeRelay, until, type TestRelay } from './helpers.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { SimulatedClock } from '../../workers/trading/clock.ts';
import { bundled } from '../helpers/bundled.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';

const roc20 = (c: Float64Array) => (c[c.length - 1] / c[c.length - 21] - 1) * 100;

describe('the screener API on a relay over the bundled EURUSD H1, GOOG D1 and BTCUSD MN1', () => {
  const store = createMemoryStore();
  const host = new FakeHost(store);
  const clock = new SimulatedClock(Date.UTC(2026, 11, 4, 12, 0));
  let relay: TestRelay;
  let h: ReturnType<typeof api>;
  beforeAll(async () => {
    for (const s of ['EURUSD', 'GOOG', 'BTCUSD'] as const) await store.bars.put(bundled(s));
    relay = await startFakeRelay({ store, host, now: () => clock.now() });
    h = api(relay, await login(relay));
  }, 60_000);
  afterAll(async () => {
    await relay.close();
  });

  it('refuses without a session', async () => {
    expect((await fetch(`${relay.url}/api/screener`)).status).toBe(401);
  });

  it("starts with the issue's example screen, no daily run and an empty watchlist", async () => {
    const r = await h.get('/api/screener');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      settings: { filter: 'close > 10 and sma(volume, 20) > 1000000 and atr(14) > 1', rank: 'roc(close, 20)', top: 10, at: null, timeZone: 'America/New_York', timeframe: null, universe: 'stored' },
      next: null,
      last: null,
      watchlist: { symbols: [], entries: [], log: [] },
      broker: { name: null, note: null, problem: expect.stringMatching(/^no broker to screen: no cTrader application is configured/) },
    });
  });

  it('refuses a broker screen without a timeframe (400) and with no broker to read (409), in words, changing nothing', async () => {
    let r = await h.post('/api/screener/run', { universe: 'broker' });
    expect(r).toMatchObject({ status: 400, json: { field: 'timeframe', error: expect.stringContaining('timeframe: must be set for a broker screen') } });
    r = await h.post('/api/screener/run', { universe: 'everything', timeframe: 'D1' });
    expect(r).toMatchObject({ status: 400, json: { field: 'universe', error: expect.stringContaining('universe: must be stored') } });
    r = await h.post('/api/screener/run', { universe: 'broker', timeframe: 'D1' });
    expect(r).toMatchObject({ status: 409, json: { field: 'universe', error: expect.stringContaining('universe: no broker to screen: no cTrader application is configured') } });
    expect((await h.get('/api/screener')).json.last).toBeNull();
  });

  it('runs on demand, ranks by the rate of change computed by hand, and keeps the top N', async () => {
    const r = await h.post('/api/screener/run', { filter: 'sma(volume, 20) > 1000', top: 2, who: 'Ann' });
    expect(r.status).toBe(200);
    const byHand = (['EURUSD', 'GOOG', 'BTCUSD'] as const).map((s) => ({ s, roc: roc20(bundled(s).close) })).sort((a, b) => b.roc - a.roc);
    expect(r.json.last.result.rows.map((x: any) => x.symbol)).toEqual(byHand.map((x) => x.s));
    r.json.last.result.rows.forEach((x: any, i: number) => expect(x.rank).toBeCloseTo(byHand[i].roc, 9));
    expect(r.json.watchlist.symbols).toEqual(byHand.slice(0, 2).map((x) => x.s));
    expect(r.json.watchlist.log[0]).toEqual({ at: clock.now(), who: 'screener', action: 'add', symbol: byHand[0].s, what: 'ranked 1st by roc(close, 20) (Ann)' });
    expect(r.json.last).toMatchObject({ at: clock.now(), who: 'Ann', top: 2 });
    expect((await h.get('/api/screener')).json.last).toEqual(r.json.last);
    // The agents that follow the watchlist are told, and their answer comes back in words.
    expect(host.commands.at(-1)).toEqual({ kind: 'watchlist.sync' });
    expect(r.json.followers).toBe('applied watchlist.sync');
  });

  it('refuses a broken screen with its field, line and column, and bad fields by name', async () => {
    let r = await h.post('/api/screener/run', { filter: 'close > 10 and smaa(volume, 20) > 1' });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ field: 'filter', error: 'filter: line 1, column 16: unknown function "smaa"' });
    expect(r.json.errors[0]).toMatchObject({ field: 'filter', line: 1, column: 16, hint: expect.any(String) });
    r = await h.post('/api/screener/run', { rank: 'close > 1' });
    expect(r).toMatchObject({ status: 400, json: { field: 'rank' } });
    r = await h.post('/api/screener/run', { top: 1000 });
    expect(r).toMatchObject({ status: 400, json: { field: 'top' } });
    r = await h.call('PUT', '/api/screener/settings', { timeZone: 'Mars/Olympus' });
    expect(r).toMatchObject({ status: 400, json: { field: 'timeZone' } });
    r = await h.call('PUT', '/api/screener/settings', { at: '25:00' });
    expect(r).toMatchObject({ status: 400, json: { field: 'at' } });
  });

  it('adds and removes by hand, each change logged with who and when', async () => {
    clock.advanceTo(clock.now() + 60_000);
    const before = host.commands.length;
    let r = await h.post('/api/screener/watchlist', { add: 'usdjpy', who: 'Bob' });
    expect(r.status).toBe(200);
    expect(host.commands.slice(before)).toEqual([{ kind: 'watchlist.sync' }]);
    expect(r.json.followers).toBe('applied watchlist.sync');
    expect(r.json.watchlist.symbols.at(-1)).toBe('USDJPY');
    expect(r.json.watchlist.log.at(-1)).toEqual({ at: clock.now(), who: 'Bob', action: 'add', symbol: 'USDJPY', what: 'added by hand' });
    r = await h.post('/api/screener/watchlist', { remove: 'USDJPY' });
    expect(r.json.watchlist.log.at(-1)).toEqual({ at: clock.now(), who: 'trader', action: 'remove', symbol: 'USDJPY', what: 'removed by hand' });
    r = await h.post('/api/screener/watchlist', { remove: 'USDJPY' });
    expect(r).toMatchObject({ status: 404, json: { field: 'remove', error: 'remove: USDJPY is not on the watchlist' } });
    // Two changes, two syncs; a refused change asks nothing of the host.
    expect(host.commands.slice(before)).toEqual([{ kind: 'watchlist.sync' }, { kind: 'watchlist.sync' }]);
    r = await h.post('/api/screener/watchlist', { add: 'EUR USD' });
    expect(r).toMatchObject({ status: 400, json: { field: 'add' } });
  });

  it('runs daily at the set time in its zone on the live engine clock, once for a jump, never on a replay clock', async () => {
    let r = await h.call('PUT', '/api/screener/settings', { filter: 'close > 0', rank: 'roc(close, 20)', top: 1, at: '08:30', timeZone: 'America/New_York', timeframe: 'D1' });
    expect(r.status).toBe(200);
    expect(r.json.settings).toMatchObject({ at: '08:30', timeframe: 'D1', top: 1 });
    // 08:00 in New York (EST, UTC-5): the first live status plans the run at 08:30.
    host.at(Date.UTC(2026, 11, 7, 13, 0));
    await until(async () => (await h.get('/api/screener')).json.next === Date.UTC(2026, 11, 7, 13, 30));
    const runs = async () => ((await h.get('/api/screener')).json.last?.who === 'screener (daily 08:30 America/New_York)' ? [1] : []);
    host.at(Date.UTC(2026, 11, 7, 13, 29));
    expect(await runs()).toEqual([]);
    const syncs = () => host.commands.filter((c) => c.kind === 'watchlist.sync').length;
    const syncsBefore = syncs();
    host.at(Date.UTC(2026, 11, 7, 13, 31));
    await until(async () => (await runs()).length > 0);
    // The followers take the watchlist after the daily run, with the run's name as the source.
    await until(async () => syncs() === syncsBefore + 1);
    const g = (await h.get('/api/screener')).json;
    expect(g.last).toMatchObject({ at: Date.UTC(2026, 11, 7, 13, 30), who: 'screener (daily 08:30 America/New_York)', timeframe: 'D1' });
    expect(g.last.result.rows.map((x: any) => x.symbol)).toEqual(['GOOG']);
    expect(g.watchlist.symbols).toEqual(['GOOG']);
    // What the on-demand run had kept and this one did not rank first left the watchlist, said so by the screener.
    const dropped = g.watchlist.log.filter((e: any) => e.at === Date.UTC(2026, 11, 7, 13, 30));
    expect(dropped.length).toBeGreaterThan(0);
    for (const e of dropped) expect(e).toMatchObject({ who: 'screener', action: 'remove', what: 'no longer in the top of the screen' });
    expect(g.next).toBe(Date.UTC(2026, 11, 8, 13, 30));
    // A replay's clock passing the next run changes nothing; a live clock jumping three days runs once, at the last time due.
    host.at(Date.UTC(2026, 11, 8, 14, 0), 'replay');
    host.at(Date.UTC(2026, 11, 7, 14, 0));
    await new Promise((res) => setTimeout(res, 50));
    expect((await h.get('/api/screener')).json.last.at).toBe(Date.UTC(2026, 11, 7, 13, 30));
    host.at(Date.UTC(2026, 11, 10, 14, 0));
    await until(async () => (await h.get('/api/screener')).json.last.at === Date.UTC(2026, 11, 10, 13, 30));
    // Turning the daily run off: no next run.
    r = await h.call('PUT', '/api/screener/settings', { at: null });
    expect(r.json.next).toBeNull();
  });

  it('accepts @watchlist among an agent\'s symbols (in any case) and hands it to the host, which puts the watchlist in its place', async () => {
    const r = await h.post('/api/agents', { config: { ...DEMO_AGENT, id: 'watcher', symbols: ['@WatchList'] } });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const sent = host.commands.at(-1)!;
    expect(sent.kind === 'agent.create' && sent.config.symbols).toEqual(['@watchlist']);
    const bad = await h.post('/api/agents', { config: { ...DEMO_AGENT, id: 'w2', symbols: ['@watch'] } });
    expect(bad).toMatchObject({ status: 400, json: { field: 'config.symbols[0]' } });
  });
});
