/** Terminal formatting: numbers with their units, right-aligned tables, UTC times. */
import { utcMinute } from '../../workers/util/utc-text.ts';

export function money(x: number): string {
  return Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : '-';
}

export function num(x: number, digits = 2): string {
  if (x === Infinity) return 'inf';
  return Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';
}

export function units(x: number): string {
  return x.toLocaleString('en-US', { maximumFractionDigits: 8 });
}

/** `2017-04-19 09:00` (UTC). */
export function utc(t: number): string {
  return Number.isFinite(t) ? utcMinute(t) : '-';
}

export function duration(ms: number): string {
  if (!(ms > 0)) return '0h';
  const h = Math.round(ms / 3_600_000);
  return h >= 48 ? `${Math.floor(h / 24)}d ${h % 24}h` : `${h}h`;
}

/** Two columns, labels left, values right-aligned. */
export function table(rows: [string, string][]): string {
  const w = Math.max(...rows.map((r) => r[0].length));
  const v = Math.max(...rows.map((r) => r[1].length));
  return rows.map(([k, val]) => `  ${k.padEnd(w)}  ${val.padStart(v)}`).join('\n');
}

/**
 * Text safe to print on a terminal: control characters (ESC, CR, BEL, the C1
 * range) and bidirectional overrides are shown as escapes (`\x1b`, `\u202e`)
 * instead of acting. File names, CSV cells and symbols come from files the user
 * did not write: an ESC sequence in one could recolour, rewrite or hide what
 * the command says. Newlines and tabs pass: messages are laid out with them.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (ch) => {
    const c = ch.charCodeAt(0);
    return c <= 0xff ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
  });
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
