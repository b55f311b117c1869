/**
 * Field-level scanning for CSV imports: numbers parsed straight from the text
 * with no substring per field, which is what keeps a million-row import fast.
 */

/** 10^0 .. 10^22: every one is an exact double, which the fast path below relies on. */
const POW10: number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);
const TWO_53 = 2 ** 53;

/**
 * A decimal number in s[a, b) (`-1.0716`, `.5`, `2e-5`), or NaN when it is not
 * one. `point` is the decimal mark's char code (46 `.`, or 44 `,` for European
 * exports). Correctly rounded: when the digits fit in 53 bits and there are at
 * most 22 decimals, one IEEE division of two exact doubles is (Clinger's fast
 * path); anything else goes to `Number` after a syntax check, so printing with
 * `String(x)` and reading back always gives the same double.
 */
export function parseNumber(s: string, a: number, b: number, point = 46): number {
  // Kept small so V8 inlines it into the row loop; exponents and long digit strings go to `parseNumberSlow`.
  let p = a;
  let c = p < b ? s.charCodeAt(p) : 0;
  if (c === 45 || c === 43) p++;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  for (; p < b; p++) {
    const d = s.charCodeAt(p) - 48;
    if (d < 0 || d > 9) break;
    mantissa = mantissa * 10 + d;
    digits++;
  }
  if (p < b && s.charCodeAt(p) === point) {
    for (p++; p < b; p++) {
      const d = s.charCodeAt(p) - 48;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
      digits++;
      scale++;
    }
  }
  if (p < b || digits === 0 || mantissa >= TWO_53 || scale > 22) return parseNumberSlow(s, a, b, point);
  const v = mantissa / POW10[scale];
  return c === 45 ? -v : v;
}

/** Numbers with an exponent or more digits than 53 bits hold: checked by hand, converted by `Number`. */
function parseNumberSlow(s: string, a: number, b: number, point: number): number {
  let p = a;
  let c = p < b ? s.charCodeAt(p) : 0;
  if (c === 45 || c === 43) p++;
  let digits = 0;
  for (; p < b && isDigit(s.charCodeAt(p)); p++) digits++;
  if (p < b && s.charCodeAt(p) === point) for (p++; p < b && isDigit(s.charCodeAt(p)); p++) digits++;
  if (digits === 0) return NaN;
  if (p < b) {
    c = s.charCodeAt(p);
    if (c !== 101 && c !== 69) return NaN; // e E
    p++;
    c = p < b ? s.charCodeAt(p) : 0;
    if (c === 45 || c === 43) p++;
    const from = p;
    for (; p < b && isDigit(s.charCodeAt(p)); p++);
    if (p === from || p < b) return NaN;
  }
  const text = s.slice(a, b);
  return Number(point === 46 ? text : text.replace(',', '.'));
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** True for the spellings of NaN and infinity that spreadsheets and pandas write. */
export function isNonFiniteWord(s: string): boolean {
  const w = s.trim().toLowerCase().replace(/^[+-]/, '');
  return w === 'nan' || w === 'inf' || w === 'infinity' || w === '1.#inf' || w === '1.#qnan' || w === '#num!';
}

function isPadding(c: number): boolean {
  return c === 32 || c === 9 || c === 34; // space, tab, double quote
}

/** Start of s[a, b) once spaces and a quote are skipped. */
export function trimStart(s: string, a: number, b: number): number {
  while (a < b && isPadding(s.charCodeAt(a))) a++;
  return a;
}

/** End of s[a, b) once trailing spaces and a quote are dropped. */
export function trimEnd(s: string, a: number, b: number): number {
  while (b > a && isPadding(s.charCodeAt(b - 1))) b--;
  return b;
}

/** True when s[a, b) holds only whitespace. */
export function isBlank(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

export const SEPARATORS = [',', ';', '\t'] as const;
export type Separator = (typeof SEPARATORS)[number];

export const SEPARATOR_NAMES: Record<Separator, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };

/** The separator a header line uses most, or null when it has none of them. */
export function chooseSeparator(headerLine: string): Separator | null {
  let best: Separator | null = null;
  let bestCount = 0;
  for (const sep of SEPARATORS) {
    const count = headerLine.split(sep).length - 1;
    if (count > bestCount) {
      best = sep;
      bestCount = count;
    }
  }
  return best;
}

/** The fields of one line, trimmed and unquoted: for headers and for explaining a bad row, never the hot path. */
export function splitFields(line: string, sep: Separator): string[] {
  return line.split(sep).map((f) => f.slice(trimStart(f, 0, f.length), trimEnd(f, 0, f.length)));
}
