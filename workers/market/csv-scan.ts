/**
 * Field-level scanning for CSV imports: numbers parsed straight from the
 * file's bytes with no string per field, which is what keeps a million-row
 * import fast.
 */

/** 10^0 .. 10^22: every one is an exact double, which the fast paths below rely on. */
const POW10: number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Below this, mantissa * 10 + digit is still an exact integer (under 2^53). */
const EXACT_LIMIT = 9e14;
/** Veltkamp's splitter for doubles: 2^27 + 1. */
const SPLIT = 134_217_729;
/** A bound on the double-double quotient's relative error (it is near 2^-104): outside it the rounding is certain. */
const DD_ERROR = 2 ** -90;

/**
 * A decimal number in s[a, b) (`-1.0716`, `.5`, `2e-5`), bytes of UTF-8 or
 * ASCII text, or NaN when it is not one. `point` is the decimal mark's code
 * (46 `.`, or 44 `,` for European exports). Correctly rounded, without making
 * a string: up to 15 significant digits, one IEEE division of two exact
 * doubles is (Clinger's fast path); 16 to 19 digits (what a double printed
 * shortest has) go through a double-double quotient whose rounding is checked
 * against its error bound; exponents, longer digit strings and the rare
 * quotient too close to halfway between two doubles go to `Number`. So
 * printing with `String(x)` and reading back always gives the same double.
 */
export function parseNumberBytes(s: Uint8Array, a: number, b: number, point = 46): number {
  const v = numberAt(s, a, b, point);
  return numberEnd === b && v === v ? v : parseNumberSlow(s, a, b, point);
}

/** Where numberAt stopped: the first byte that is not part of a plain decimal. */
export let numberEnd = 0;

/**
 * The plain decimal (sign, digits, decimal mark, digits) starting at `a`, read
 * up to the first other byte before `b`, whose offset is left in `numberEnd`:
 * the row loop reads a field and finds its end in one pass. NaN when there is
 * no digit, or the digits need more than the fast paths (then parseNumberBytes
 * over the whole field decides). Kept small so V8 inlines it into the row loop.
 */
export function numberAt(s: Uint8Array, a: number, b: number, point: number): number {
  let p = a;
  const c = p < b ? s[p] : 0;
  if (c === 45 || c === 43) p++;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let tail = 0;
  let tailDigits = 0;
  for (; p < b; p++) {
    const d = s[p] - 48;
    if (d < 0 || d > 9) break;
    if (mantissa < EXACT_LIMIT) mantissa = mantissa * 10 + d;
    else (tail = tail * 10 + d), tailDigits++;
    digits++;
  }
  if (p < b && s[p] === point) {
    for (p++; p < b; p++) {
      const d = s[p] - 48;
      if (d < 0 || d > 9) break;
      if (mantissa < EXACT_LIMIT) mantissa = mantissa * 10 + d;
      else (tail = tail * 10 + d), tailDigits++;
      digits++;
      scale++;
    }
  }
  numberEnd = p;
  if (digits === 0 || scale > 22) return NaN;
  const v = tailDigits === 0 ? mantissa / POW10[scale] : tailDigits <= 4 ? longQuotient(mantissa, tail, tailDigits, scale) : NaN;
  return c === 45 ? -v : v;
}

/**
 * (mantissa * 10^tailDigits + tail) / 10^scale rounded to the nearest double,
 * or NaN when the double-double arithmetic cannot tell which double that is.
 * Every step is an error-free transformation (Dekker's product, Knuth's sum)
 * but the last division, whose error DD_ERROR bounds.
 */
function longQuotient(mantissa: number, tail: number, tailDigits: number, scale: number): number {
  const scaleUp = POW10[tailDigits];
  // mantissa * scaleUp exactly, as xh + xl.
  const xh = mantissa * scaleUp;
  let t = SPLIT * mantissa;
  const mh = t - (t - mantissa);
  const ml = mantissa - mh;
  t = SPLIT * scaleUp;
  const ph = t - (t - scaleUp);
  const pl = scaleUp - ph;
  const xl = mh * ph - xh + mh * pl + ml * ph + ml * pl;
  // + tail, then renormalized to hi + lo.
  const sum = xh + tail;
  const back = sum - xh;
  const lo0 = xh - (sum - back) + (tail - back) + xl;
  const hi = sum + lo0;
  const lo = lo0 - (hi - sum);
  // (hi + lo) / 10^scale: the first quotient, then the exact remainder's.
  const divisor = POW10[scale];
  const q1 = hi / divisor;
  const p = q1 * divisor;
  t = SPLIT * q1;
  const qh = t - (t - q1);
  const qlo = q1 - qh;
  t = SPLIT * divisor;
  const dh = t - (t - divisor);
  const dl = divisor - dh;
  const pe = qh * dh - p + qh * dl + qlo * dh + qlo * dl;
  const q2 = (hi - p - pe + lo) / divisor;
  const v = q1 + q2;
  const err = v * DD_ERROR;
  return q1 + (q2 + err) === v && q1 + (q2 - err) === v ? v : NaN;
}

/** Numbers with an exponent or many digits: checked by hand, converted by `Number` (the one place a string is made). */
function parseNumberSlow(s: Uint8Array, a: number, b: number, point: number): number {
  let p = a;
  let c = p < b ? s[p] : 0;
  if (c === 45 || c === 43) p++;
  let digits = 0;
  for (; p < b && isDigit(s[p]); p++) digits++;
  if (p < b && s[p] === point) for (p++; p < b && isDigit(s[p]); p++) digits++;
  if (digits === 0) return NaN;
  if (p < b) {
    c = s[p];
    if (c !== 101 && c !== 69) return NaN; // e E
    p++;
    c = p < b ? s[p] : 0;
    if (c === 45 || c === 43) p++;
    const from = p;
    for (; p < b && isDigit(s[p]); p++);
    if (p === from || p < b) return NaN;
  }
  let text = '';
  for (let i = a; i < b; i++) text += String.fromCharCode(s[i] === point ? 46 : s[i]);
  return Number(text);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

let scratch = new Uint8Array(64);

/**
 * s[a, b) as bytes in a reused buffer, so the string forms of the parsers run
 * the byte parsers: one implementation for both. A character beyond Latin-1
 * becomes 0xFF, which no parser accepts, as it accepted none before.
 */
export function asciiBytes(s: string, a: number, b: number): Uint8Array {
  if (scratch.length < b - a) scratch = new Uint8Array(Math.max(b - a, scratch.length * 2));
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    scratch[i - a] = c < 256 ? c : 255;
  }
  return scratch;
}

/** parseNumberBytes for text (headers, a bad row's explanation, callers with strings). */
export function parseNumber(s: string, a: number, b: number, point = 46): number {
  return parseNumberBytes(asciiBytes(s, a, b), 0, b - a, point);
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

/** trimStart over bytes. */
export function trimStartBytes(s: Uint8Array, a: number, b: number): number {
  while (a < b && isPadding(s[a])) a++;
  return a;
}

/** trimEnd over bytes. */
export function trimEndBytes(s: Uint8Array, a: number, b: number): number {
  while (b > a && isPadding(s[b - 1])) b--;
  return b;
}

/** isBlank over bytes. */
export function isBlankBytes(s: Uint8Array, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = s[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
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
