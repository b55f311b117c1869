import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { Workspace } from '../../app/state/workspace.ts';
import { NO_BROKER_HERE, screenerApi } from '../../app/views/lab/screener-api.ts';
import { bundled } from '../helpers/bundled.ts';

// The PWA's screener in a browser workspace (not on a relay): the same workers/cells functions over the workspace's store.
describe("the Lab view's screener in this browser's workspace", () => {
  it('runs over the stored series, keeps the watchlist and its log, saves settings, and refuses in words', async () => {
    const store = createMemoryStore();
    for (const s of ['EURUSD', 'GOOG', 'BTCUSD'] as const) await store.bars.put(bundled(s));
    // The workspace host: told to bring the agents that follow the watchlist onto it after each change.
    const sent: unknown[] = [];
    const host = { command: async (c: unknown, source: string) => (sent.push([c, source]), sent.length === 1 ? { ok: true, message: 'agent w now trades GOOG' } : { ok: false, reason: 'the workspace is stopped' }) };
    const api = screenerApi({ store, host } as unknown as Workspace);
    expect(api.where).toBe('browser');
    let s = await api.run({ filter: 'close > 10 and sma(volume, 20) > 1000000 and atr(14) > 1', rank: 'roc(close, 20)', top: 5, timeframe: null }, 'trader');
    expect(s.last!.result.rows.map((r) => r.symbol)).toEqual(['GOOG']);
    expect(s.watchlist.symbols).toEqual(['GOOG']);
    expect(s.followers).toBe('agent w now trades GOOG');
    s = await api.watch({ add: 'EURUSD' }, 'trader');
    expect(s.watchlist.symbols).toEqual(['GOOG', 'EURUSD']);
    expect(s.followers).toBe('the agents on the watchlist were not changed: the workspace is stopped');
    expect(sent).toEqual([[{ kind: 'watchlist.sync' }, 'trader'], [{ kind: 'watchlist.sync' }, 'trader']]);
    expect(s.watchlist.log.map((c) => `${c.who} ${c.action} ${c.symbol}`)).toEqual(['screener add GOOG', 'trader add EURUSD']);
    s = await api.save({ top: 3, timeframe: 'D1' });
    expect(s.settings).toMatchObject({ top: 3, timeframe: 'D1' });
    expect(s.next).toBeNull();
    await expect(api.run({ filter: 'close >', rank: 'roc(close, 20)', top: 3, timeframe: null }, 'trader')).rejects.toThrow(/^filter: line 1, column \d+: /);
    await expect(api.watch({ remove: 'USDJPY' }, 'trader')).rejects.toThrow('USDJPY is not on the watchlist');
  });

  it('has no broker to screen: says why, refuses a broker run and saving the choice, and keeps the last screen', async () => {
    const store = createMemoryStore();
    await store.bars.put(bundled('GOOG'));
    const api = screenerApi({ store } as unknown as Workspace);
    const before = await api.run({ filter: 'close > 0', rank: 'roc(close, 20)', top: 1, timeframe: null }, 'trader');
    expect(before.broker).toEqual({ name: null, note: null, problem: NO_BROKER_HERE });
    await expect(api.run({ filter: 'close > 0', rank: 'roc(close, 20)', top: 1, timeframe: 'D1', universe: 'broker' }, 'trader')).rejects.toThrow(NO_BROKER_HERE);
    await expect(api.save({ universe: 'broker', timeframe: 'D1' })).rejects.toThrow(NO_BROKER_HERE);
    const after = await api.state();
    expect(after.settings.universe).toBe('stored');
    expect(after.last).toEqual(before.last);
  });
});
