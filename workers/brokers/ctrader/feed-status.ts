import type { Timeframe } from '../../market/timeframe.ts';
import type { BarStatus, SpotStatus } from './subscriptions.ts';

/** One traded symbol and timeframe as the feed knows it on the current connection. */
export interface FeedCheck {
  symbol: string;
  timeframe: Timeframe;
  /** Why the symbol could not be loaded (its subscriptions then cannot exist). */
  symbolProblem: string | null;
  spots: SpotStatus | null;
  bars: BarStatus | null;
  backfilling: boolean;
  /** Why the gap since the last delivered bar was not filled from history (null: it was). */
  backfillProblem: string | null;
}

/**
 * live: a live bar arrived since the (re)connect. quiet: subscribed, spots
 * seen, no tick since the bar subscription (a quiet market). pending: may
 * still come (subscribing, first spot not in yet). broken: refused or failed.
 */
export type FeedVerdict = 'live' | 'quiet' | 'pending' | 'broken';

/** What one symbol's feed has shown since the (re)connect, in words: never more than was seen. */
export function feedLine(c: FeedCheck, since: string): { text: string; verdict: FeedVerdict } {
  const name = `${c.symbol} ${c.timeframe}`;
  if (c.symbolProblem) return { text: `${c.symbol}: ${c.symbolProblem}`, verdict: 'broken' };
  const { spots, bars } = c;
  if (!spots || !bars) return { text: `${c.symbol}: loading the symbol`, verdict: 'pending' };
  if (spots.state !== 'subscribed') return spots.reason === null ? { text: `${c.symbol}: subscribing`, verdict: 'pending' } : { text: `${c.symbol}: no spots (${spots.reason})`, verdict: 'broken' };
  if (!spots.spotSeen) return { text: `${c.symbol}: no spots ${since}`, verdict: 'pending' };
  if (bars.state !== 'subscribed') return bars.reason === null ? { text: `${name}: subscribing to live bars`, verdict: 'pending' } : { text: `${name}: no live bars (${bars.reason})`, verdict: 'broken' };
  if (c.backfillProblem) return { text: `${name}: gap not backfilled (${c.backfillProblem})`, verdict: 'broken' };
  if (c.backfilling) return { text: `${name}: backfilling the gap`, verdict: 'pending' };
  if (bars.barSeen) return { text: `${name} live`, verdict: 'live' };
  if (bars.spotSinceSubscribed) return { text: `${name}: spots but no live bars ${since}`, verdict: 'broken' };
  return { text: `${name}: subscribed, no tick ${since}`, verdict: 'quiet' };
}

/** The feed's status text: each symbol's line once, e.g. "EURUSD M5 live; GBPUSD: no spots since reconnect". */
export function feedStatusText(lines: readonly { text: string }[]): string {
  return [...new Set(lines.map((l) => l.text))].join('; ');
}
