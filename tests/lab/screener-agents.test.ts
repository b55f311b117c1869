import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';
import { changeByHand, EMPTY_WATCHLIST, resolveWatchlistSymbols, WATCHLIST_KEY } from '../../workers/cells/watchlist.ts';
import { openDemoHost } from '../host/helpers.ts';

// An agent set to trade the screener's watchlist: '@watchlist' among its symbols is replaced by the
// watchlist's symbols when the agent is created, before the command is recorded (a restart replays those).
describe('agents on the watchlist', () => {
  it('resolves @watchlist to the watchlist when the agent is created, and refuses it while the watchlist is empty', async () => {
    const store = createMemoryStore();
    const host = await openDemoHost(store);
    await host.start();
    const config = { ...DEMO_AGENT, id: 'watcher', name: 'on the watchlist', symbols: ['@watchlist'] };
    const refused = await host.command({ kind: 'agent.create', config });
    expect(refused).toEqual({ ok: false, reason: "@watchlist stands for the screener's watchlist, which is empty: run the screener (Lab > Screener) or add symbols by hand first" });

    const w = changeByHand(EMPTY_WATCHLIST, { add: 'EURUSD' }, 'Ann', 1);
    if (!w.ok) throw new Error(w.message);
    await store.settings.put(WATCHLIST_KEY, w.watchlist);
    const created = await host.command({ kind: 'agent.create', config });
    expect(created).toMatchObject({ ok: true, message: expect.stringContaining('running on EURUSD H1') });
    expect((await store.agents.get('watcher'))!.config.symbols).toEqual(['EURUSD']);
    await host.stop();
    const commands = (await store.events.since(0)).flatMap((e) => (e.type === 'command' ? [e.payload.command as { kind: string; config?: { id: string; symbols: string[] } }] : []));
    const recorded = commands.flatMap((c) => (c.kind === 'agent.create' && c.config?.id === 'watcher' ? [c.config.symbols] : []));
    expect(recorded).toEqual([['EURUSD']]);
  }, 60_000);

  it('keeps the symbols listed beside it, each once', async () => {
    const store = createMemoryStore();
    const w = changeByHand(EMPTY_WATCHLIST, { add: 'GOOG' }, 'Ann', 1);
    if (!w.ok) throw new Error(w.message);
    await store.settings.put(WATCHLIST_KEY, w.watchlist);
    expect(await resolveWatchlistSymbols(['EURUSD', '@WATCHLIST', 'GOOG'], store.settings)).toEqual({ ok: true, symbols: ['EURUSD', 'GOOG'] });
    expect(await resolveWatchlistSymbols(['EURUSD'], store.settings)).toEqual({ ok: true, symbols: ['EURUSD'] });
  });
});
