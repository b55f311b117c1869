import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { applyScreen, changeByHand, EMPTY_WATCHLIST, loadWatchlist, watchlistSymbols, type Watchlist } from '../../workers/cells/watchlist.ts';
import { DEFAULT_SCREENER, loadScreenerSettings, runStoredScreen, screenerSettingsFrom, SCREENER_LAST_KEY } from '../../workers/cells/screens.ts';
import { bundled } from '../helpers/bundled.ts';

const why = (s: string, n: number) => `ranked ${n} (${s})`;

describe('the watchlist', () => {
  it('keeps the top of each screen, replaces what fell out, and logs every change with time, who and what', () => {
    let w: Watchlist = applyScreen(EMPTY_WATCHLIST, ['GOOG', 'EURUSD'], 1000, why);
    expect(watchlistSymbols(w)).toEqual(['GOOG', 'EURUSD']);
    expect(w.log).toEqual([
      { at: 1000, who: 'screener', action: 'add', symbol: 'GOOG', what: 'ranked 1 (GOOG)' },
      { at: 1000, who: 'screener', action: 'add', symbol: 'EURUSD', what: 'ranked 2 (EURUSD)' },
    ]);
    w = applyScreen(w, ['BTCUSD', 'GOOG'], 2000, why);
    expect(watchlistSymbols(w)).toEqual(['BTCUSD', 'GOOG']);
    expect(w.entries.find((e) => e.symbol === 'GOOG')!.since).toBe(1000);
    expect(w.log.slice(2)).toEqual([
      { at: 2000, who: 'screener', action: 'add', symbol: 'BTCUSD', what: 'ranked 1 (BTCUSD)' },
      { at: 2000, who: 'screener', action: 'remove', symbol: 'EURUSD', what: 'no longer in the top of the screen' },
    ]);
    // The same screen again changes nothing and logs nothing.
    expect(applyScreen(w, ['BTCUSD', 'GOOG'], 3000, why).log).toHaveLength(4);
  });

  it('keeps what the trader adds by hand across screens, until removed by hand', () => {
    let w = applyScreen(EMPTY_WATCHLIST, ['GOOG'], 1000, why);
    const add = changeByHand(w, { add: ' eurusd ' }, 'Ann', 1500);
    if (!add.ok) throw new Error(add.message);
    w = add.watchlist;
    expect(w.log.at(-1)).toEqual({ at: 1500, who: 'Ann', action: 'add', symbol: 'EURUSD', what: 'added by hand' });
    const keep = changeByHand(w, { add: 'GOOG' }, 'Ann', 1600);
    if (!keep.ok) throw new Error(keep.message);
    w = applyScreen(keep.watchlist, ['BTCUSD'], 2000, why);
    expect(watchlistSymbols(w)).toEqual(['BTCUSD', 'EURUSD', 'GOOG']);
    expect(w.log.at(-2)).toMatchObject({ who: 'Ann', symbol: 'GOOG', what: 'kept by hand (was from the screen)' });
    const rm = changeByHand(w, { remove: 'EURUSD' }, 'Bob', 2500);
    if (!rm.ok) throw new Error(rm.message);
    expect(watchlistSymbols(rm.watchlist)).toEqual(['BTCUSD', 'GOOG']);
    expect(rm.watchlist.log.at(-1)).toEqual({ at: 2500, who: 'Bob', action: 'remove', symbol: 'EURUSD', what: 'removed by hand' });
    // Adding what is already kept by hand changes nothing.
    const again = changeByHand(rm.watchlist, { add: 'GOOG' }, 'Bob', 2600);
    expect(again).toMatchObject({ ok: true, changed: false });
  });

  it('refuses bad changes in words', () => {
    expect(changeByHand(EMPTY_WATCHLIST, { remove: 'GOOG' }, 'Ann', 1)).toEqual({ ok: false, field: 'remove', message: 'GOOG is not on the watchlist' });
    expect(changeByHand(EMPTY_WATCHLIST, {}, 'Ann', 1)).toMatchObject({ ok: false, message: 'give either add or remove, with one symbol' });
    expect(changeByHand(EMPTY_WATCHLIST, { add: 'A', remove: 'B' }, 'Ann', 1)).toMatchObject({ ok: false, field: 'add' });
    expect(changeByHand(EMPTY_WATCHLIST, { add: 'EUR USD;' }, 'Ann', 1)).toMatchObject({ ok: false, field: 'add', message: '"EUR USD;" is not a symbol (letters, digits and . _ : / - only, at most 40)' });
    expect(changeByHand(EMPTY_WATCHLIST, { add: 7 }, 'Ann', 1)).toMatchObject({ ok: false, field: 'add' });
  });
});

describe('screens over the store', () => {
  it('runs on the stored series, keeps the top N on the stored watchlist and the result as the last screen', async () => {
    const store = createMemoryStore();
    for (const s of ['EURUSD', 'GOOG', 'BTCUSD'] as const) await store.bars.put(bundled(s));
    const out = await runStoredScreen(store, { filter: 'sma(volume, 20) > 1000', rank: 'roc(close, 20)', top: 2, timeframe: null }, 'Ann', 5000);
    if (!out.ok) throw new Error(out.message);
    expect(out.last.result.rows).toHaveLength(3);
    const best = out.last.result.rows.slice(0, 2).map((r) => r.symbol);
    expect(out.last.watchlist).toEqual(best);
    expect(watchlistSymbols(await loadWatchlist(store.settings))).toEqual(best);
    expect((await loadWatchlist(store.settings)).log[0]).toMatchObject({ at: 5000, who: 'screener', action: 'add', symbol: best[0], what: 'ranked 1st by roc(close, 20) (Ann)' });
    expect(await store.settings.get(SCREENER_LAST_KEY)).toEqual(out.last);

    const daily = await runStoredScreen(store, { filter: 'close > 0', rank: 'roc(close, 20)', top: 5, timeframe: 'D1' }, 'Ann', 6000);
    if (!daily.ok) throw new Error(daily.message);
    expect(daily.last.result.rows.map((r) => r.symbol)).toEqual(['GOOG']);
  });

  it('refuses a broken screen by field with line and column, storing nothing', async () => {
    const store = createMemoryStore();
    const out = await runStoredScreen(store, { filter: 'close >', rank: 'roc(close, 20)', top: 2, timeframe: null }, 'Ann', 1);
    expect(out).toMatchObject({ ok: false, field: 'filter', message: expect.stringMatching(/^filter: line 1, column \d+: /) });
    expect(await store.settings.list()).toEqual([]);
  });

  it('checks settings by field and keeps what is left out', async () => {
    const store = createMemoryStore();
    expect(await loadScreenerSettings(store)).toEqual(DEFAULT_SCREENER);
    const ok = screenerSettingsFrom(DEFAULT_SCREENER, { top: 3, at: '08:30', timeZone: 'Europe/London', timeframe: 'D1' });
    expect(ok).toEqual({ ok: true, settings: { ...DEFAULT_SCREENER, top: 3, at: '08:30', timeZone: 'Europe/London', timeframe: 'D1' } });
    expect(screenerSettingsFrom(DEFAULT_SCREENER, { top: 0 })).toMatchObject({ ok: false, field: 'top' });
    expect(screenerSettingsFrom(DEFAULT_SCREENER, { at: '8:30' })).toMatchObject({ ok: false, field: 'at', message: expect.stringContaining('HH:MM') });
    expect(screenerSettingsFrom(DEFAULT_SCREENER, { timeZone: 'Mars/Olympus' })).toMatchObject({ ok: false, field: 'timeZone' });
    expect(screenerSettingsFrom(DEFAULT_SCREENER, { timeframe: 'H2' })).toMatchObject({ ok: false, field: 'timeframe' });
    expect(screenerSettingsFrom(DEFAULT_SCREENER, { rank: 'close > 1' })).toMatchObject({ ok: false, field: 'rank' });
  });
});
