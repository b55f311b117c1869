import type { Workspace } from '../../state/workspace.ts';
import { attachedToRelay } from '../../remote/attach.ts';
import { RelayClient } from '../../remote/relay-client.ts';
import { loadScreenerSettings, runStoredScreen, screenerSettingsFrom, SCREENER_LAST_KEY, SCREENER_SETTINGS_KEY, type LastScreen, type ScreenerSettings } from '../../../workers/cells/screens.ts';
import { changeByHand, loadWatchlist, watchlistSymbols, WATCHLIST_KEY, type Watchlist } from '../../../workers/cells/watchlist.ts';
import { followWatchlist } from '../../../workers/host/watchlist-sync.ts';

/** What the screener panel shows: as GET /api/screener answers it. */
export interface ScreenerState {
  settings: ScreenerSettings;
  /** The next daily run (a relay's), ms UTC, or null. */
  next: number | null;
  last: LastScreen | null;
  watchlist: { symbols: string[]; entries: Watchlist['entries']; log: Watchlist['log'] };
  /** What a broker screen would read now (name, and a note when the list is not the broker's whole one), or why nothing. */
  broker: { name: string | null; note: string | null; problem: string | null };
  /** After a screen or a change by hand: what the agents that follow the watchlist did, in words. */
  followers?: string;
}

/** The browser's workspace has no broker session: a broker screen runs on a relay. */
export const NO_BROKER_HERE = 'this browser workspace has no broker: a broker screen runs on a relay with a live broker (attach to one under Settings)';

/**
 * Where screens run: on the relay (its API, its stored series, its daily run)
 * when the workspace is there; else in this browser over its IndexedDB series,
 * on demand, through the same workers/cells functions the relay runs.
 * Each call answers the new state, or throws an Error with the words to show.
 */
export interface ScreenerApi {
  where: 'browser' | 'relay';
  state(): Promise<ScreenerState>;
  run(spec: { filter: string; rank: string; top: number; timeframe: ScreenerSettings['timeframe']; universe?: ScreenerSettings['universe'] }, who: string): Promise<ScreenerState>;
  save(change: Partial<ScreenerSettings>): Promise<ScreenerState>;
  watch(change: { add: string } | { remove: string }, who: string): Promise<ScreenerState>;
}

export function screenerApi(ws: Workspace): ScreenerApi {
  return attachedToRelay(ws) ? relayScreener(new RelayClient()) : browserScreener(ws);
}

const view = (w: Watchlist) => ({ symbols: watchlistSymbols(w), entries: w.entries, log: w.log });

function browserScreener(ws: Workspace): ScreenerApi {
  const store = ws.store;
  const state = async (): Promise<ScreenerState> => ({
    settings: await loadScreenerSettings(store),
    next: null,
    last: (await store.settings.get<LastScreen>(SCREENER_LAST_KEY)) ?? null,
    watchlist: view(await loadWatchlist(store.settings)),
    broker: { name: null, note: null, problem: NO_BROKER_HERE },
  });
  return {
    where: 'browser',
    state,
    async run(spec, who) {
      const s = screenerSettingsFrom(await loadScreenerSettings(store), spec);
      if (!s.ok) throw new Error(s.message);
      if (s.settings.universe === 'broker') throw new Error(NO_BROKER_HERE);
      const out = await runStoredScreen(store, s.settings, who, Date.now());
      if (!out.ok) throw new Error(out.message);
      return { ...(await state()), followers: await followWatchlist(ws.host, who) };
    },
    async save(change) {
      const s = screenerSettingsFrom(await loadScreenerSettings(store), change);
      if (!s.ok) throw new Error(s.message);
      if (s.settings.universe === 'broker') throw new Error(NO_BROKER_HERE);
      await store.settings.put(SCREENER_SETTINGS_KEY, s.settings);
      return state();
    },
    async watch(change, who) {
      const r = changeByHand(await loadWatchlist(store.settings), change, who, Date.now());
      if (!r.ok) throw new Error(r.message);
      if (!r.changed) return state();
      await store.settings.put(WATCHLIST_KEY, r.watchlist);
      return { ...(await state()), followers: await followWatchlist(ws.host, who) };
    },
  };
}

function relayScreener(relay: RelayClient): ScreenerApi {
  const state = () => relay.json<ScreenerState>('/api/screener');
  const send = async (method: string, path: string, body: unknown) => {
    const r = await relay.json<{ followers?: string | null }>(path, { method, body: JSON.stringify(body) });
    return { ...(await state()), ...(r.followers ? { followers: r.followers } : {}) };
  };
  return {
    where: 'relay',
    state,
    run: (spec, who) => send('POST', '/api/screener/run', { ...spec, who }),
    save: (change) => send('PUT', '/api/screener/settings', change),
    watch: (change, who) => send('POST', '/api/screener/watchlist', { ...change, who }),
  };
}
