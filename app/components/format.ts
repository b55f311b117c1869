import { formatPrice } from '../../workers/market/instrument.ts';
import { utcDate, utcMinute } from '../../workers/util/utc-text.ts';

/**
 * Numbers and times on screen, the one place they become text: Intl
 * formatters made once (they are slow to construct), money always with its
 * currency, prices with their symbol's digits, time as 24-hour UTC in ISO
 * order. A value that is missing or not a number shows as '–' alone, never
 * with a unit after it ("Win rate –", not "Win rate — %"). Account money is
 * USD (the quote currency of every bundled symbol).
 */
const NONE = '–';
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signedMoney = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' });
const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const prob = new Intl.NumberFormat('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const bytes = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const fixed = new Map<string, Intl.NumberFormat>();

/** A formatter for `digits` decimals (signed or not), made once per kind. */
function decimals(digits: number, signed = false): Intl.NumberFormat {
  const key = `${digits}${signed ? '+' : ''}`;
  let f = fixed.get(key);
  if (!f) fixed.set(key, (f = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits, ...(signed ? { signDisplay: 'exceptZero' as const } : {}) })));
  return f;
}

const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

export const fmt = {
  /** 1234.5 -> '1,234.50'; infinities as ∞ (a profit factor without losses), NaN and missing as '–'. */
  num(x: number | null | undefined, digits = 2): string {
    if (typeof x === 'number' && !Number.isNaN(x) && !Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
    return finite(x) ? decimals(digits).format(x) : NONE;
  },
  usd: (x: number | null | undefined) => (finite(x) ? `${money.format(x)} USD` : NONE),
  signedUsd: (x: number | null | undefined) => (finite(x) ? `${signedMoney.format(x)} USD` : NONE),
  /** A fraction shown as % (0.0123 -> '1.23 %'). */
  pctOfFraction: (x: number | null | undefined) => (finite(x) ? `${decimals(2).format(x * 100)} %` : NONE),
  pct: (x: number | null | undefined, digits = 2) => (finite(x) ? `${decimals(digits).format(x)} %` : NONE),
  signedPct: (x: number | null | undefined, digits = 2) => (finite(x) ? `${decimals(digits, true).format(x)} %` : NONE),
  units: (x: number) => whole.format(x),
  prob: (x: number | undefined) => (finite(x) ? prob.format(x) : NONE),
  /** The symbol's quoted digits: EURUSD 1.18470, GOOG 830.50 (workers/market/instrument.ts). */
  price: (symbol: string, x: number | null | undefined) => (finite(x) ? formatPrice(symbol, x) : NONE),
  /** 'YYYY-MM-DD HH:mm' UTC: the engine's time, simulated in a replay. */
  time: (ms: number | null | undefined) => (finite(ms) ? utcMinute(ms) : NONE),
  /** 'YYYY-MM-DD' UTC. */
  date: (ms: number | null | undefined) => (finite(ms) ? utcDate(ms) : NONE),
  /** How long ago, for heartbeats ('3 s ago'). */
  ago(ms: number | null | undefined, now: number): string {
    if (ms === null || ms === undefined) return 'never';
    const s = Math.max(0, Math.round((now - ms) / 1000));
    return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.floor(s / 60)} min ago` : `${Math.floor(s / 3600)} h ago`;
  },
  bytes(n: number): string {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return `${bytes.format(n)} ${units[i]}`;
  },
};

/** CSS class for a signed amount: green above zero, red below. */
export const tone = (x: number) => (x > 0 ? 'up' : x < 0 ? 'down' : '');
