import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriesFromBars, type Bar } from '../../workers/market/bar.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { runStoredScreen } from '../../workers/cells/screens.ts';
import { runBrokerScreen } from '../../workers/cells/screen-universe.ts';
import { ctraderUniverse } from '../../workers/cells/screen-universe-ctrader.ts';
import { loadWatchlist } from '../../workers/cells/watchlist.ts';
import { seededRandom } from '../../workers/util/seeded-random.ts';
import { listenTcp, type Listening } from '../ctrader/fake/listen.ts';
import { fakeServer, startClient, type Client } from '../ctrader/helpers.ts';

const DAY = 86_400_000;
/** The screen runs at 06:00 UTC: the day's bar is still forming, the bars before it are closed. */
const NOW = Date.UTC(2024, 5, 3, 6, 0);
const TODAY = Date.UTC(2024, 5, 3);

/** A seeded daily walk of `n` closed bars up to yesterday plus today's forming one, on the symbol's price grid. */
function daily(n: number, seed: number, p0: number, digits: number): Bar[] {
  const rnd = seededRandom(seed);
  const f = 10 ** digits;
  const r = (x: number) => Math.round(x * f) / f;
  let p = p0;
  return Array.from({ length: n + 1 }, (_, i) => {
    const o = p;
    const c = r(o * (1 + (rnd() - 0.48) * 0.01));
    p = c;
    return { time: TODAY - (n - i) * DAY, open: o, high: r(Math.max(o, c) * 1.002), low: r(Math.min(o, c) * 0.998), close: c, volume: 1000 + Math.floor(rnd() * 500) };
  });
}

// The account's five symbols: three with long histories, GBPUSD with fewer bars than the tail (fetched again further back, judged on what there is), USDCHF too short to judge, AUDUSD with none.
const HISTORY: Record<string, Bar[]> = {
  EURUSD: daily(400, 1, 1.1, 5),
  USDJPY: daily(400, 2, 150, 3),
  GBPUSD: daily(200, 3, 1.3, 5),
  USDCHF: daily(15, 4, 0.9, 5),
};
const closed = (bars: Bar[]) => bars.filter((b) => b.time < TODAY);
const SPEC = { filter: 'close > 0 and sma(volume, 20) > 1000', rank: 'roc(close, 20)', top: 2, timeframe: 'D1' as const };

describe('screener over a cTrader account (fake cTrader on loopback)', () => {
  let l: Listening;
  let c: Client;
  const trendbarAsks: number[] = [];
  beforeAll(async () => {
    const fake = fakeServer(() => NOW);
    for (const [s, bars] of Object.entries(HISTORY)) fake.seed(s, 'D1', bars);
    l = await listenTcp(fake);
    c = startClient(l.port, { now: () => NOW });
    c.conn.on((m) => void (m.name === 'ProtoOAGetTrendbarsRes' && trendbarAsks.push(1)));
    await c.conn.start();
  });
  afterAll(async () => {
    c?.conn.stop();
    await l?.close();
  });

  it('ranks the account symbols from fetched history exactly as a stored-series screen of the same bars, refusing the ones without', async () => {
    const store = createMemoryStore();
    const universe = ctraderUniverse({ connection: c.conn, symbols: c.symbols, name: 'cTrader demo account 44001' });
    const out = await runBrokerScreen(store, SPEC, universe, 'Ann', NOW);
    if (!out.ok) throw new Error(out.message);

    // The same closed bars, stored, screened the stored way.
    const stored = createMemoryStore();
    for (const [s, bars] of Object.entries(HISTORY)) await stored.bars.put(seriesFromBars(s, 'D1', closed(bars)));
    const ref = await runStoredScreen(stored, SPEC, 'Ann', NOW);
    if (!ref.ok) throw new Error(ref.message);
    expect(out.last.result.rows).toEqual(ref.last.result.rows);
    expect(out.last.result.excluded).toEqual(ref.last.result.excluded);

    // By hand: roc(close, 20) on yesterday's close, best first; today's forming bar was not judged.
    const roc = (b: Bar[]) => (b.at(-1)!.close / b.at(-21)!.close - 1) * 100;
    const byHand = ['EURUSD', 'USDJPY', 'GBPUSD'].map((s) => ({ s, roc: roc(closed(HISTORY[s])) })).sort((a, b) => b.roc - a.roc);
    expect(out.last.result.rows.map((r) => r.symbol)).toEqual(byHand.map((x) => x.s));
    out.last.result.rows.forEach((r, i) => expect(r.rank).toBeCloseTo(byHand[i].roc, 9));
    for (const r of out.last.result.rows) expect(r.time).toBe(TODAY - DAY);

    expect(out.last.result.refused).toEqual([
      { symbol: 'AUDUSD', timeframe: 'D1', reason: 'AUDUSD D1: cTrader demo account 44001 has no D1 bars of it from 2023-01-17 06:00 UTC to 2024-06-03 06:00 UTC' }, // 310 bars read, 1.6 days each, a week more
      { symbol: 'USDCHF', timeframe: 'D1', reason: 'USDCHF D1 has 15 bars; the screen needs at least 21' },
    ]);
    expect(out.last).toMatchObject({ universe: 'broker', source: 'cTrader demo account 44001: 5 symbols', who: 'Ann', timeframe: 'D1' });
    expect(out.last.watchlist).toEqual(byHand.slice(0, 2).map((x) => x.s));
    expect((await loadWatchlist(store.settings)).log.map((e) => e.what)).toEqual([`ranked 1st by roc(close, 20) (Ann)`, `ranked 2nd by roc(close, 20) (Ann)`]);

    // The watchlist's symbols' bars are stored for the agents, the others not.
    expect(out.stored).toEqual(out.last.watchlist);
    expect((await store.bars.list()).map((i) => `${i.symbol} ${i.timeframe}`).sort()).toEqual(out.last.watchlist.map((s) => `${s} D1`).sort());
    for (const s of out.last.watchlist) expect((await store.bars.get(s, 'D1'))!.close).toEqual(seriesFromBars(s, 'D1', closed(HISTORY[s])).close);
  });

  it('asks again further back only for a symbol with fewer bars than the screen reads (none at all: once)', async () => {
    trendbarAsks.length = 0;
    const one = (symbols: string[]) => ({ ...ctraderUniverse({ connection: c.conn, symbols: c.symbols, name: 'cTrader' }), symbols: async () => symbols });
    let out = await runBrokerScreen(createMemoryStore(), SPEC, one(['EURUSD']), 'test', NOW);
    expect(out.ok && out.last.result.rows.length).toBe(1);
    expect(trendbarAsks.length).toBe(1);
    trendbarAsks.length = 0;
    out = await runBrokerScreen(createMemoryStore(), SPEC, one(['GBPUSD']), 'test', NOW);
    expect(out.ok && out.last.result.rows.length).toBe(1);
    expect(trendbarAsks.length).toBe(3);
    trendbarAsks.length = 0;
    out = await runBrokerScreen(createMemoryStore(), SPEC, one(['AUDUSD']), 'test', NOW);
    expect(out.ok && out.last.result.refused.length).toBe(1);
    expect(trendbarAsks.length).toBe(1);
  });

  it('refuses a symbol the account does not offer, in cTrader words', async () => {
    const u = { ...ctraderUniverse({ connection: c.conn, symbols: c.symbols, name: 'cTrader' }), symbols: async () => ['XAUUSD'] };
    const out = await runBrokerScreen(createMemoryStore(), SPEC, u, 'test', NOW);
    if (!out.ok) throw new Error(out.message);
    expect(out.last.result.refused).toEqual([{ symbol: 'XAUUSD', timeframe: 'D1', reason: 'XAUUSD D1: no history from cTrader: cTrader symbol XAUUSD is not offered on this account (5 symbols listed)' }]);
  });
});
