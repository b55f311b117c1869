import { seriesFromBars, type Bar, type BarSeries } from '../market/bar.ts';
import { TIMEFRAME_MS, type Timeframe } from '../market/timeframe.ts';
import type { EngineStore } from '../store/store.ts';
import { compileScreen, runScreen, screenTailBars, type CompiledScreen, type ScreenRefusal } from '../lab/screener.ts';
import { keepScreen, problemOf, type LastScreen, type ScreenerProblem } from './screens.ts';
import type { Watchlist } from './watchlist.ts';

/**
 * The screener's broker universe: the live broker's symbols, each one's
 * history fetched for the screen's timeframe, screened by the same runScreen
 * as the stored series. The adapters (screen-universe-ctrader.ts,
 * screen-universe-ibkr.ts) read through the broker clients' own history and
 * symbol-list functions; this file knows no wire.
 */
export interface BrokerUniverse {
  /** Where the symbols come from, e.g. "cTrader demo account 44001", "IBKR paper". */
  name: string;
  /** Said beside the result when the list is not the broker's whole one (TWS lists no symbols). */
  note?: string;
  /** Timeframes the broker serves history for (IB has no W1 or MN1 the engine's way); absent: all. */
  timeframes?: readonly Timeframe[];
  symbols(): Promise<string[]>;
  /**
   * Bars of `symbol` closed by `now` and opening at or after `from`, oldest
   * first. Throws an Error whose message says why in words (not found,
   * pacing, no permission).
   */
  history(symbol: string, timeframe: Timeframe, from: number, now: number): Promise<Bar[]>;
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

/** A broker screen cannot start (no broker connected, no timeframe): why, in words. */
export type UniverseProblem = { field: string; message: string };

/** At most this many history requests per symbol while looking far enough back for the bars the screen needs. */
const MAX_ASKS = 3;
/** Calendar time per bar of the first ask, in bars: a daily bar every weekday, a stock's intraday bars in its ~7 regular hours. */
const SPAN_PER_BAR: Partial<Record<Timeframe, number>> = { D1: 1.6, W1: 1.2, MN1: 1.2 };
const INTRADAY_SPAN = 6;
const PAD_MS = 7 * 86_400_000;

/**
 * Fetches the history the screen reads (screenTailBars: its lookbacks' tail)
 * for each symbol of the universe, one symbol after another (the clients keep
 * the broker's rate limits and IB's pacing). A symbol that cannot be fetched is
 * a refusal with the reason, never an error of the whole screen.
 */
export async function fetchUniverse(universe: BrokerUniverse, screen: CompiledScreen, timeframe: Timeframe, now: number): Promise<{ series: BarSeries[]; refused: ScreenRefusal[]; listed: number }> {
  const need = screenTailBars(screen);
  const symbols = [...new Set((await universe.symbols()).map((s) => s.trim().toUpperCase()))].filter((s) => s !== '');
  const series: BarSeries[] = [];
  const refused: ScreenRefusal[] = [];
  const refuse = (symbol: string, reason: string) => refused.push({ symbol, timeframe, reason: `${symbol} ${timeframe}: ${reason}` });
  for (const symbol of symbols) {
    let span = need * TIMEFRAME_MS[timeframe] * (SPAN_PER_BAR[timeframe] ?? INTRADAY_SPAN) + PAD_MS;
    let bars: Bar[] = [];
    try {
      // Further back in proportion to what was missing; none at all in the first span (a week more than the tail needs) is no history.
      for (let ask = 0; ask < MAX_ASKS; ask++) {
        bars = await universe.history(symbol, timeframe, now - span, now);
        if (bars.length >= need || bars.length === 0) break;
        span *= Math.min(8, (1.5 * need) / bars.length);
      }
    } catch (e) {
      refuse(symbol, `no history from ${universe.name}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (bars.length === 0) refuse(symbol, `${universe.name} has no ${timeframe} bars of it from ${iso(now - span)} to ${iso(now)}`);
    else series.push(seriesFromBars(symbol, timeframe, bars));
  }
  return { series, refused, listed: symbols.length };
}

/**
 * A screen over the live broker's symbols: history fetched, screened as the
 * stored series are, the top N kept on the watchlist (screens.ts keepScreen).
 * The fetched bars of the symbols the watchlist keeps are merged into the bar
 * store, so agents set to trade the watchlist warm up on them; the others are
 * not stored (a cTrader account lists hundreds of symbols).
 */
export async function runBrokerScreen(
  store: Pick<EngineStore, 'bars' | 'settings'>,
  spec: { filter: unknown; rank: unknown; top: number; timeframe: Timeframe | null },
  universe: BrokerUniverse | UniverseProblem,
  who: string,
  at: number,
): Promise<{ ok: true; last: LastScreen; watchlist: Watchlist; stored: string[] } | ({ ok: false } & ScreenerProblem)> {
  const compiled = compileScreen(spec.filter, spec.rank);
  if (!compiled.screen) return { ok: false, ...problemOf(compiled.errors) };
  if ('message' in universe) return { ok: false, ...universe };
  const tf = spec.timeframe;
  if (tf === null) return { ok: false, field: 'timeframe', message: 'timeframe must be set for a broker screen (e.g. D1): the history fetched from the broker is of one timeframe' };
  if (universe.timeframes && !universe.timeframes.includes(tf)) return { ok: false, field: 'timeframe', message: `timeframe ${tf} is not served by ${universe.name}: pick one of ${universe.timeframes.join(' ')}` };
  let fetched: Awaited<ReturnType<typeof fetchUniverse>>;
  try {
    fetched = await fetchUniverse(universe, compiled.screen, tf, at);
  } catch (e) {
    return { ok: false, field: 'universe', message: `the symbols of ${universe.name} could not be listed: ${e instanceof Error ? e.message : String(e)}` };
  }
  const result = runScreen(compiled.screen, fetched.series);
  result.refused.unshift(...fetched.refused);
  const source = `${universe.name}: ${fetched.listed} symbol${fetched.listed === 1 ? '' : 's'}${universe.note ? ` (${universe.note})` : ''}`;
  const kept = await keepScreen(store, result, { top: spec.top, timeframe: tf, universe: 'broker', source }, who, at);
  const stored: string[] = [];
  for (const symbol of kept.last.watchlist) {
    const s = fetched.series.find((x) => x.symbol === symbol);
    if (!s) continue;
    await store.bars.put(s);
    stored.push(symbol);
  }
  return { ...kept, stored };
}
