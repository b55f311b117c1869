import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { Workspace } from '../../app/state/workspace.ts';
import { screenerApi } from '../../app/views/lab/screener-api.ts';
import { bundled } from '../helpers/bundled.ts';

// The PWA's screener in a browser workspace (not on a relay): the same workers/cells functions over the workspace's store.
describe("the Lab view's screener in this browser's workspace", () => {
  it('runs over the stored series, keeps the watchlist and its log, saves settings, and refuses in words', async () => {
    const store = createMemoryStore();
    for (const s of ['EURUSD', 'GOOG', 'BTCUSD'] as const) await store.bars.put(bundled(s));
    const api = screenerApi({ store } as unknown as Workspace);
    expect(api.where).toBe('browser');
    let s = await api.run({ filter: 'close > 10 and sma(volume, 20) > 1000000 and atr(14) > 1', rank: 'roc(close, 20)', top: 5, timeframe: null }, 'trader');
    expect(s.last!.result.rows.map((r) => r.symbol)).toEqual(['GOOG']);
    expect(s.watchlist.symbols).toEqual(['GOOG']);
    s = await api.watch({ add: 'EURUSD' }, 'trader');
    expect(s.watchlist.symbols).toEqual(['GOOG', 'EURUSD']);
    expect(s.watchlist.log.map((c) => `${c.who} ${c.action} ${c.symbol}`)).toEqual(['screener add GOOG', 'trader add EURUSD']);
    s = await api.save({ top: 3, timeframe: 'D1' });
    expect(s.settings).toMatchObject({ top: 3, timeframe: 'D1' });
    expect(s.next).toBeNull();
    await expect(api.run({ filter: 'close >', rank: 'roc(close, 20)', top: 3, timeframe: null }, 'trader')).rejects.toThrow(/^filter: line 1, column \d+: /);
    await expect(api.watch({ remove: 'USDJPY' }, 'trader')).rejects.toThrow('USDJPY is not on the watchlist');
  });
});
