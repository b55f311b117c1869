import type { BarSeries } from '../market/bar.ts';
import { isTimeframe, TIMEFRAMES, type Timeframe } from '../market/timeframe.ts';
import type { EngineStore } from '../store/store.ts';
import { compileScreen, runScreen, topSymbols, type ScreenDiagnostic, type ScreenResult } from '../lab/screener.ts';
import { applyScreen, loadWatchlist, WATCHLIST_KEY, type Watchlist } from './watchlist.ts';

/**
 * The screener over the engine's store: its settings (the screen, how many to
 * keep, when it runs), a run over the stored series that keeps the top N on
 * the watchlist, and the last result. The relay schedules it
 * (relay/lab/screener-schedule.ts); the browser workspace runs it on demand.
 */

export const SCREENER_SETTINGS_KEY = 'screener.settings';
export const SCREENER_LAST_KEY = 'screener.last';
export const MAX_TOP = 100;

export interface ScreenerSettings {
  filter: string;
  rank: string;
  /** How many of the best rows the watchlist keeps. */
  top: number;
  /** Local time of the daily run, 'HH:MM', or null: run on demand only. */
  at: string | null;
  /** IANA zone of `at`. */
  timeZone: string;
  /** Screen only the series of this timeframe, or null: every stored series (a broker screen needs one). */
  timeframe: Timeframe | null;
  /** What is screened: the stored series, or the live broker's symbols with history fetched from it (screen-universe.ts). */
  universe: ScreenUniverse;
}

export const SCREEN_UNIVERSES = ['stored', 'broker'] as const;
export type ScreenUniverse = (typeof SCREEN_UNIVERSES)[number];

/** The example; no daily run until the trader sets a time. */
export const DEFAULT_SCREENER: ScreenerSettings = { filter: 'close > 10 and sma(volume, 20) > 1000000 and atr(14) > 1', rank: 'roc(close, 20)', top: 10, at: null, timeZone: 'America/New_York', timeframe: null, universe: 'stored' };

/** A screen kept: when, by whom, the result, and the watchlist it left. */
export interface LastScreen {
  at: number;
  who: string;
  top: number;
  timeframe: Timeframe | null;
  /** Absent in screens kept before the choice existed: 'stored'. */
  universe?: ScreenUniverse;
  /** A broker screen's source, e.g. "cTrader demo account 44001: 5 symbols listed". */
  source?: string;
  result: ScreenResult;
  watchlist: string[];
}

export type ScreenerProblem = { field: string; message: string; errors?: ScreenDiagnostic[] };

export async function loadScreenerSettings(store: Pick<EngineStore, 'settings'>): Promise<ScreenerSettings> {
  return { ...DEFAULT_SCREENER, ...((await store.settings.get<Partial<ScreenerSettings>>(SCREENER_SETTINGS_KEY)) ?? {}) };
}

/** Settings changed by `change` (fields left out stay): the new settings, or the first problem by field in words. */
export function screenerSettingsFrom(base: ScreenerSettings, change: Record<string, unknown>): { ok: true; settings: ScreenerSettings } | ({ ok: false } & ScreenerProblem) {
  const s = { ...base };
  const has = (k: string) => change[k] !== undefined;
  if (has('top')) {
    const t = change.top;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_TOP) return { ok: false, field: 'top', message: `top must be a whole number from 1 to ${MAX_TOP} (got ${JSON.stringify(t)})` };
    s.top = t;
  }
  if (has('at')) {
    const a = change.at;
    if (a !== null && (typeof a !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(a))) return { ok: false, field: 'at', message: `at must be a time of day as HH:MM (e.g. 08:30), or null for on demand only (got ${JSON.stringify(a)})` };
    s.at = a as string | null;
  }
  if (has('timeZone')) {
    if (!validZone(change.timeZone)) return { ok: false, field: 'timeZone', message: `timeZone must be a time zone such as America/New_York or Europe/London (got ${JSON.stringify(change.timeZone)})` };
    s.timeZone = change.timeZone as string;
  }
  if (has('timeframe')) {
    const tf = change.timeframe;
    if (tf !== null && (typeof tf !== 'string' || !isTimeframe(tf))) return { ok: false, field: 'timeframe', message: `timeframe must be one of ${TIMEFRAMES.join(' ')}, or null for every stored series (got ${JSON.stringify(tf)})` };
    s.timeframe = tf as Timeframe | null;
  }
  if (has('universe')) {
    const u = change.universe;
    if (!SCREEN_UNIVERSES.includes(u as ScreenUniverse)) return { ok: false, field: 'universe', message: `universe must be stored (the stored series) or broker (the live broker's symbols, history fetched) (got ${JSON.stringify(u)})` };
    s.universe = u as ScreenUniverse;
  }
  if (s.universe === 'broker' && s.timeframe === null) return { ok: false, field: 'timeframe', message: 'timeframe must be set for a broker screen (e.g. D1): the history fetched from the broker is of one timeframe' };
  if (has('filter')) s.filter = change.filter as string;
  if (has('rank')) s.rank = change.rank as string;
  const compiled = compileScreen(s.filter, s.rank);
  if (compiled.errors.length > 0) return { ok: false, ...problemOf(compiled.errors) };
  return { ok: true, settings: s };
}

/**
 * Runs a screen on the stored series (of one timeframe, or all), keeps the top
 * N symbols on the watchlist (each change logged) and the result as the last
 * screen. `who` is logged: 'screener (daily 08:30 America/New_York)', a person.
 */
export async function runStoredScreen(
  store: Pick<EngineStore, 'bars' | 'settings'>,
  spec: { filter: unknown; rank: unknown; top: number; timeframe: Timeframe | null },
  who: string,
  at: number,
): Promise<{ ok: true; last: LastScreen; watchlist: Watchlist } | ({ ok: false } & ScreenerProblem)> {
  const compiled = compileScreen(spec.filter, spec.rank);
  if (!compiled.screen) return { ok: false, ...problemOf(compiled.errors) };
  const series: BarSeries[] = [];
  for (const info of await store.bars.list()) {
    if (spec.timeframe !== null && info.timeframe !== spec.timeframe) continue;
    const s = await store.bars.get(info.symbol, info.timeframe);
    if (s) series.push(s);
  }
  return keepScreen(store, runScreen(compiled.screen, series), { ...spec, universe: 'stored' }, who, at);
}

/**
 * Keeps a screen's result: its top N on the watchlist (each change logged
 * with `who`) and the result as the last screen. Any universe's run ends here.
 */
export async function keepScreen(
  store: Pick<EngineStore, 'settings'>,
  result: ScreenResult,
  spec: { top: number; timeframe: Timeframe | null; universe: ScreenUniverse; source?: string },
  who: string,
  at: number,
): Promise<{ ok: true; last: LastScreen; watchlist: Watchlist }> {
  const ranked = topSymbols(result, spec.top).map((s) => s.toUpperCase());
  const place = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;
  const watchlist = applyScreen(await loadWatchlist(store.settings), ranked, at, (_s, n) => `ranked ${place(n)} by ${result.rank} (${who})`);
  await store.settings.put(WATCHLIST_KEY, watchlist);
  const last: LastScreen = { at, who, top: spec.top, timeframe: spec.timeframe, universe: spec.universe, ...(spec.source ? { source: spec.source } : {}), result, watchlist: ranked };
  await store.settings.put(SCREENER_LAST_KEY, last);
  return { ok: true, last, watchlist };
}

export function problemOf(errors: ScreenDiagnostic[]): ScreenerProblem {
  const e = errors[0];
  return { field: e.field, message: `${e.field}: line ${e.line}, column ${e.column}: ${e.message}`, errors };
}

function validZone(z: unknown): boolean {
  if (typeof z !== 'string' || z.length === 0 || z.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: z });
    return true;
  } catch {
    return false;
  }
}
