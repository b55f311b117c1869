import type { Bar } from '../../market/bar.ts';
import { nextBarOpenTime, TIMEFRAME_MS, type Timeframe } from '../../market/timeframe.ts';
import type { IbContract } from './contract.ts';
import type { HistoryRequest } from './requests.ts';
import type { IbBar } from './responses.ts';
import { localDate, sessionEndOn, type TradingHours } from './trading-hours.ts';

/** IB's bar sizes for the timeframes the IB feed serves. W1 and MN1 are not served: IB's weeks and months are not the engine's. */
export const IB_BAR_SIZES: Partial<Record<Timeframe, HistoryRequest['barSize']>> = {
  M1: '1 min',
  M5: '5 mins',
  M15: '15 mins',
  M30: '30 mins',
  H1: '1 hour',
  H4: '4 hours',
  D1: '1 day',
};

const DAY_MS = 86_400_000;

/** FX has no trades: its bars are midpoints. Stocks and futures: trades. */
export function whatToShow(c: IbContract): HistoryRequest['whatToShow'] {
  return c.secType === 'CASH' ? 'MIDPOINT' : 'TRADES';
}

/**
 * Stocks are asked for their regular session only (useRTH), as the bundled
 * daily bars are (the exchange's open to close); FX and futures for all hours.
 */
export function regularHoursOnly(c: IbContract): boolean {
  return c.secType === 'STK';
}

/**
 * IB's duration for bars from `from` to `now`: seconds up to a day (IB's limit
 * for "S"), then days, then years; for daily bars days (one more: IB counts
 * the day under way), then years.
 */
export function ibDuration(tf: Timeframe, from: number, now: number): string {
  const span = Math.max(now - from, 2 * TIMEFRAME_MS[tf]);
  if (tf !== 'D1') {
    const secs = Math.ceil(span / 1000) + TIMEFRAME_MS[tf] / 1000;
    if (secs <= 86_400) return `${secs} S`;
    const days = Math.ceil(secs / 86_400);
    return days <= 365 ? `${days} D` : `${Math.ceil(days / 365)} Y`;
  }
  const days = Math.ceil(span / DAY_MS) + 1;
  return days <= 365 ? `${days} D` : `${Math.ceil(days / 365)} Y`;
}

/** The keepUpToDate request for a subscription's bars from `from` to now: the contract as IB resolved it, its bar size, what to show and hours. */
export function streamRequest(c: IbContract, tf: Timeframe, from: number, now: number): HistoryRequest {
  const barSize = IB_BAR_SIZES[tf];
  if (!barSize) throw new Error(`the IB feed does not serve ${tf} bars`);
  return { contract: c, endDateTime: '', duration: ibDuration(tf, from, now), barSize, whatToShow: whatToShow(c), useRTH: regularHoursOnly(c), keepUpToDate: true };
}

/**
 * An IB bar as the engine's Bar, or why it is refused. Times are open times in
 * ms UTC, as the bundled data is stamped: intraday bars come as epoch seconds
 * (formatDate 2); a daily bar comes as the exchange's date "yyyymmdd", stamped
 * 00:00 UTC of that date, as the bundled GOOG daily bars are (2013-03-01 is
 * Date.UTC(2013, 2, 1)), so the same bars give the same decisions. A daily bar
 * sent as epoch seconds is taken as the exchange's date at that instant.
 * MIDPOINT bars carry volume -1 (no volume): 0 here.
 */
export function barFromIb(b: IbBar, tf: Timeframe, zone: string | null): Bar | { problem: string } {
  let time: number;
  if (tf === 'D1' && /^\d{8}$/.test(b.time)) time = Date.UTC(Number(b.time.slice(0, 4)), Number(b.time.slice(4, 6)) - 1, Number(b.time.slice(6, 8)));
  else if (/^\d{9,11}$/.test(b.time)) {
    const ms = Number(b.time) * 1000;
    if (tf === 'D1') {
      const d = localDate(ms, zone ?? 'UTC');
      time = Date.UTC(Math.floor(d / 10_000), (Math.floor(d / 100) % 100) - 1, d % 100);
    } else time = ms;
  } else return { problem: `a bar time IB sent that TradeGuard cannot read: "${b.time}"` };
  const values = [b.open, b.high, b.low, b.close, b.volume];
  if (!values.every(Number.isFinite)) return { problem: `a bar at ${new Date(time).toISOString()} with a value that is not a number (open ${b.open}, high ${b.high}, low ${b.low}, close ${b.close}, volume ${b.volume})` };
  return { time, open: b.open, high: b.high, low: b.low, close: b.close, volume: Math.max(0, b.volume) };
}

/**
 * When a bar is complete. Intraday: at its end. Daily: at the end of the
 * session ending on its date (a New York stock at 16:00 New York, EURUSD at
 * 17:00), from IB's hours, so a daily agent can decide on that session's bar
 * (docs/ENGINE.md, daily schedule); when the hours do not reach that date, at
 * the end of the UTC day the bar is stamped with.
 */
export function barCompleteAt(tf: Timeframe, barTime: number, hours: TradingHours | null): number {
  if (tf === 'D1' && hours) {
    const d = new Date(barTime);
    const end = sessionEndOn(hours, d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate());
    if (end !== null) return end;
  }
  return nextBarOpenTime(barTime, tf);
}

/** A bar's time as the status shows it: the date for daily bars; HH:MM UTC today, else with the date. */
export function barLabel(tf: Timeframe, barTime: number, now: number): string {
  const iso = new Date(barTime).toISOString();
  if (tf === 'D1') return iso.slice(0, 10);
  return iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? `${iso.slice(11, 16)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A duration in words for alerts: "15 min", "26 h", "2 h 5 min". */
export function durationWords(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
}
