import { formatPrice } from '../market/instrument.ts';
import { utcMinute } from '../util/utc-text.ts';

/**
 * Plain-text numbers for command replies: the same text in a palette, a chat
 * and a terminal. Account money is in USD (the quote currency of every
 * bundled symbol, see workers/market/instrument.ts).
 */
const money2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signed2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' });
const units = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export const usd = (x: number) => `${money2.format(x)} USD`;
export const signedUsd = (x: number) => `${signed2.format(x)} USD`;
export const pct = (x: number) => `${money2.format(x)} %`;
export const volume = (x: number) => units.format(x);

/** A price with the digits its instrument quotes (EURUSD 1.18470, GOOG 2 digits). */
export function price(symbol: string, x: number | null): string {
  if (x === null || !Number.isFinite(x)) return 'none';
  return formatPrice(symbol, x);
}

/** Engine-clock time as 'YYYY-MM-DD HH:MM UTC'. */
export function utc(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'never';
  return `${utcMinute(ms)} UTC`;
}

export const sideWord = (side: 1 | -1) => (side === 1 ? 'long' : 'short');
