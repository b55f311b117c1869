import type { Bar } from '../../market/bar.ts';
import type { Timeframe } from '../../market/timeframe.ts';
import { barLabel } from './feed-bars.ts';
import type { MarketDataType } from './requests.ts';

/** One subscription of the IB feed (live-feed.ts) as it stands on the current connection. */
export interface Sub {
  symbol: string;
  tf: Timeframe;
  /** Open time of the last bar handed to the engine. */
  lastDelivered: number;
  lastClose: number | undefined;
  forming: Bar | null;
  closeTimer: (() => void) | null;
  retryTimer: (() => void) | null;
  /** The request feeding this subscription: updates of any other are dropped. */
  stream: number;
  reqId: number | null;
  /** IB answered the current request with its bars. */
  verified: boolean;
  /** Updates held while the backfill is delivered. */
  buffer: Bar[] | null;
  problem: string | null;
  /** The market data type in force when the current request went. */
  sentType: MarketDataType;
  /** Why delayed data (354 on this symbol), null when not. */
  delayed: string | null;
  retried354: boolean;
  /** IB's refusal of real-time 5-second bars (realtime-bars.ts), null while none. */
  noRealTime: string | null;
}

/**
 * What one subscription has shown, in words: IB's refusal, "waiting for IB"
 * until IB answered its current request, then the data type that request went
 * with and the last bar delivered. Never more than was seen.
 */
export function statusLine(s: Sub, now: number): string {
  const name = `${s.symbol} ${s.tf}`;
  if (s.problem) return `${name}: ${s.problem}`;
  if (!s.verified) return `${name}: waiting for IB`;
  const mode = s.delayed ? `delayed data (${s.delayed})` : `${s.sentType}${s.noRealTime ? ` (no real-time bars: ${s.noRealTime})` : ''}`;
  return `${name} ${mode}, ${s.lastDelivered > -Infinity ? `last bar ${barLabel(s.tf, s.lastDelivered, now)}` : 'no bar yet'}`;
}
