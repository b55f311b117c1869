import type { Bar } from '../../market/bar.ts';
import { roundPrice, type InstrumentSpec } from '../../market/instrument.ts';
import type { Timeframe } from '../../market/timeframe.ts';
import type { CTraderConnection } from './connection.ts';
import { PRICE_SCALE, type CTraderSymbol } from './symbols.ts';

/** ProtoOATrendbarPeriod values for the engine's timeframes. */
export const PERIOD: Record<Timeframe, number> = { M1: 1, M5: 5, M15: 7, M30: 8, H1: 9, H4: 10, D1: 12, W1: 13, MN1: 14 };

export interface WireTrendbar {
  volume?: number;
  period?: number;
  low?: number;
  deltaOpen?: number;
  deltaClose?: number;
  deltaHigh?: number;
  utcTimestampInMinutes?: number;
}

/**
 * A trendbar as a Bar: prices are low + delta in 1/100000, rounded to the
 * symbol's digits; the time is the bar's open. `fallbackClose` (the last bid)
 * stands in when a live bar carries no close. High is clamped to at least
 * max(open, close) and low to at most min(open, close): historical bars are
 * known to arrive with deltaHigh 0 (spotware/openapi-proto-messages#39).
 */
export function decodeTrendbar(tb: WireTrendbar, spec: InstrumentSpec, fallbackClose?: number): Bar {
  const low = tb.low ?? 0;
  const px = (raw: number) => roundPrice(spec, raw / PRICE_SCALE);
  const open = px(low + (tb.deltaOpen ?? 0));
  const close = tb.deltaClose !== undefined ? px(low + tb.deltaClose) : fallbackClose ?? open;
  const high = Math.max(px(low + (tb.deltaHigh ?? 0)), open, close);
  return { time: (tb.utcTimestampInMinutes ?? 0) * 60_000, open, high, low: Math.min(px(low), open, close), close, volume: tb.volume ?? 0 };
}

/** A Bar as a trendbar (the fake server and tests speak the wire format too). */
export function encodeTrendbar(bar: Bar, period: number): Required<WireTrendbar> {
  const q = (x: number) => Math.round(x * PRICE_SCALE);
  const low = q(bar.low);
  return { volume: bar.volume, period, low, deltaOpen: q(bar.open) - low, deltaClose: q(bar.close) - low, deltaHigh: q(bar.high) - low, utcTimestampInMinutes: Math.floor(bar.time / 60_000) };
}

/** Closed bars of `sym` opening in [from, to), oldest first (paged through ProtoOAGetTrendbarsReq). */
export async function fetchTrendbars(connection: CTraderConnection, sym: CTraderSymbol, tf: Timeframe, from: number, to: number): Promise<Bar[]> {
  const out: Bar[] = [];
  let start = from;
  for (let page = 0; page < 1000 && start < to; page++) {
    const res = await connection.request('ProtoOAGetTrendbarsReq', { symbolId: sym.symbolId, period: PERIOD[tf], fromTimestamp: start, toTimestamp: to }, { retryOnRateLimit: true });
    const bars = ((res.payload.trendbar as WireTrendbar[] | undefined) ?? []).map((tb) => decodeTrendbar(tb, sym.spec));
    let last = -Infinity;
    for (const b of bars) {
      if (b.time >= start && b.time < to && b.time > (out.length ? out[out.length - 1].time : -Infinity)) out.push(b);
      last = Math.max(last, b.time);
    }
    if (!res.payload.hasMore || bars.length === 0) break;
    start = last + 1;
  }
  return out;
}
