import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';

/**
 * Numbers on screen: Intl formatters made once (they are slow to construct),
 * always with their unit. Account money is USD (the quote currency of every
 * bundled symbol).
 */
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signedMoney = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' });
const percent = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signedPercent = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' });
const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const prob = new Intl.NumberFormat('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const bytes = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export const fmt = {
  usd: (x: number) => `${money.format(x)} USD`,
  signedUsd: (x: number) => `${signedMoney.format(x)} USD`,
  /** A fraction shown as % (0.0123 -> '1.23 %'). */
  pctOfFraction: (x: number) => `${percent.format(x * 100)} %`,
  pct: (x: number) => `${percent.format(x)} %`,
  signedPct: (x: number) => `${signedPercent.format(x)} %`,
  units: (x: number) => whole.format(x),
  prob: (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : prob.format(x)),
  price(symbol: string, x: number | null | undefined): string {
    if (x === null || x === undefined || !Number.isFinite(x)) return '–';
    return x.toFixed(KNOWN_INSTRUMENTS[symbol]?.digits ?? 5);
  },
  /** 'YYYY-MM-DD HH:MM' UTC: the engine's time, simulated in a replay. */
  time(ms: number | null | undefined): string {
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
    return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  },
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
