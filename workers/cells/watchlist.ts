import type { SettingsRepository } from '../store/store.ts';

/**
 * The watchlist the screener keeps: the top N of the last screen plus the
 * symbols the trader added by hand, in the store's settings so the relay and
 * the browser workspace keep it alike. Every change is logged with its time,
 * who made it and what changed; a change that changes nothing is not logged.
 *
 * A screen replaces the symbols an earlier screen put there (the ones that
 * fell out of the top N are removed, said so); symbols added by hand stay
 * until removed by hand. A symbol removed by hand comes back only if a later
 * screen ranks it again.
 */

export const WATCHLIST_KEY = 'screener.watchlist';
/** Entries kept in the log; the oldest are dropped beyond this. */
export const WATCHLIST_LOG_MAX = 500;
/** Symbols as the stores and brokers name them (kept upper case, as agents hold them). */
const SYMBOL = /^[A-Za-z0-9._:/-]{1,40}$/;

export interface WatchlistEntry {
  symbol: string;
  /** How it came in: the screener's top N, or added by hand. */
  source: 'screen' | 'manual';
  /** When it was added, ms UTC. */
  since: number;
}

export interface WatchlistChange {
  at: number;
  /** Who changed it: 'screener' for a screen, else the person or tool named by the caller. */
  who: string;
  action: 'add' | 'remove';
  symbol: string;
  /** Why, in words ("ranked 2nd by roc(close, 20)", "added by hand"). */
  what: string;
}

export interface Watchlist {
  entries: WatchlistEntry[];
  log: WatchlistChange[];
}

export const EMPTY_WATCHLIST: Watchlist = { entries: [], log: [] };

/** The stored watchlist (empty when none was kept yet). */
export async function loadWatchlist(settings: Pick<SettingsRepository, 'get'>): Promise<Watchlist> {
  const w = await settings.get<Watchlist>(WATCHLIST_KEY);
  return w && Array.isArray(w.entries) && Array.isArray(w.log) ? w : { entries: [], log: [] };
}

/** The symbols on the watchlist, in order: the screen's ranking first, then those added by hand. */
export function watchlistSymbols(w: Watchlist): string[] {
  return [...w.entries.filter((e) => e.source === 'screen'), ...w.entries.filter((e) => e.source === 'manual')].map((e) => e.symbol);
}

/** A symbol the trader names, checked: the problem in words, or null. */
export function watchSymbolProblem(symbol: unknown): string | null {
  if (typeof symbol !== 'string' || symbol.trim() === '') return 'give the symbol to add or remove, e.g. EURUSD';
  if (!SYMBOL.test(symbol.trim())) return `"${symbol.slice(0, 40)}" is not a symbol (letters, digits and . _ : / - only, at most 40)`;
  return null;
}

/**
 * The watchlist after a screen: its ranked symbols (best first, already cut
 * to the top N) replace the earlier screen's; symbols added by hand stay.
 * `why(symbol, place)` says why each came in.
 */
export function applyScreen(w: Watchlist, ranked: readonly string[], at: number, why: (symbol: string, place: number) => string): Watchlist {
  const log = [...w.log];
  const manual = w.entries.filter((e) => e.source === 'manual');
  const entries: WatchlistEntry[] = [];
  ranked.forEach((symbol, i) => {
    const held = manual.find((e) => e.symbol === symbol);
    if (held) return; // already watched by hand: the trader's entry stays theirs
    const before = w.entries.find((e) => e.symbol === symbol && e.source === 'screen');
    entries.push({ symbol, source: 'screen', since: before?.since ?? at });
    if (!before) log.push({ at, who: 'screener', action: 'add', symbol, what: why(symbol, i + 1) });
  });
  for (const e of w.entries) {
    if (e.source === 'screen' && !ranked.includes(e.symbol)) log.push({ at, who: 'screener', action: 'remove', symbol: e.symbol, what: 'no longer in the top of the screen' });
  }
  return { entries: [...entries, ...manual], log: log.slice(-WATCHLIST_LOG_MAX) };
}

/** Adds or removes one symbol by hand: the new watchlist, or the problem in words. */
export function changeByHand(w: Watchlist, change: { add?: unknown; remove?: unknown }, who: string, at: number): { ok: true; watchlist: Watchlist; changed: boolean } | { ok: false; field: 'add' | 'remove'; message: string } {
  const adding = change.add !== undefined;
  if (adding === (change.remove !== undefined)) return { ok: false, field: 'add', message: 'give either add or remove, with one symbol' };
  const field = adding ? 'add' : 'remove';
  const problem = watchSymbolProblem(adding ? change.add : change.remove);
  if (problem) return { ok: false, field, message: problem };
  const symbol = String(adding ? change.add : change.remove).trim().toUpperCase();
  const has = w.entries.find((e) => e.symbol === symbol);
  if (adding) {
    if (has?.source === 'manual') return { ok: true, watchlist: w, changed: false };
    // A screened symbol added by hand becomes the trader's: the next screen will not remove it.
    const entries = [...w.entries.filter((e) => e.symbol !== symbol), { symbol, source: 'manual' as const, since: has?.since ?? at }];
    const what = has ? 'kept by hand (was from the screen)' : 'added by hand';
    return { ok: true, changed: true, watchlist: { entries, log: [...w.log, { at, who, action: 'add' as const, symbol, what }].slice(-WATCHLIST_LOG_MAX) } };
  }
  if (!has) return { ok: false, field, message: `${symbol} is not on the watchlist` };
  const entries = w.entries.filter((e) => e.symbol !== symbol);
  return { ok: true, changed: true, watchlist: { entries, log: [...w.log, { at, who, action: 'remove' as const, symbol, what: 'removed by hand' }].slice(-WATCHLIST_LOG_MAX) } };
}

/** An agent symbol that stands for the watchlist: replaced by its symbols when the agent is created. */
export const WATCHLIST_SYMBOL = '@watchlist';

export const isWatchlistSymbol = (s: string): boolean => s.toLowerCase() === WATCHLIST_SYMBOL;

/**
 * An agent's symbols with `@watchlist` replaced by the watchlist's symbols
 * (each once, those listed beside it kept): the symbols, or the reason in words
 * when the watchlist is empty. Unchanged when it is not there.
 */
export async function resolveWatchlistSymbols(symbols: readonly string[], settings: Pick<SettingsRepository, 'get'>): Promise<{ ok: true; symbols: string[] } | { ok: false; reason: string }> {
  if (!symbols.some(isWatchlistSymbol)) return { ok: true, symbols: [...symbols] };
  const watched = watchlistSymbols(await loadWatchlist(settings));
  if (watched.length === 0) return { ok: false, reason: `${WATCHLIST_SYMBOL} stands for the screener's watchlist, which is empty: run the screener (Lab > Screener) or add symbols by hand first` };
  const out: string[] = [];
  for (const s of symbols.flatMap((x) => (isWatchlistSymbol(x) ? watched : [x]))) if (!out.includes(s)) out.push(s);
  return { ok: true, symbols: out };
}
