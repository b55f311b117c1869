/**
 * The bytes of one bar chunk: six columns (time, open, high, low, close, volume), each
 * in the smallest form that gives back exactly the same Float64 bits, else as Float64.
 * Importing is bound by how many bytes IndexedDB writes (the store runs at bare
 * IndexedDB's speed), so fewer bytes are a faster import and a smaller disk:
 *  - time as 4-byte steps from the bar before (whole ms, steps under 49 days);
 *  - a price or volume column as a 4-byte integer over 10^k when every value is a
 *    decimal with k <= 9 places that round-trips bit for bit (prices parsed from a
 *    CSV: 1.10234 = 110234 / 10^5); NaN, -0 or one odd value keeps Float64.
 * Each codec is checked by decoding before it is chosen, so exactness never depends on it.
 *
 * Layout, little-endian: 8-byte header (version 1, one codec byte per column, 0),
 * the first bar's time as Float64, the Float64 columns, then the 4-byte columns.
 */
const F64 = 0;
const STEPS = 1;
const DECIMAL = 2; // DECIMAL + k: integers over 10^k
const HEAD = 16;

if (new Uint8Array(new Float64Array([1]).buffer)[7] !== 0x3f) throw new Error('TradeGuard stores bars as little-endian numbers; this platform is big-endian');

function stepsFit(v: Float64Array): boolean {
  for (let i = 1; i < v.length; i++) {
    const d = v[i] - v[i - 1];
    if (!(d >= 0 && d <= 0xffffffff && Number.isInteger(d)) || !Object.is(v[i - 1] + d, v[i])) return false;
  }
  return true;
}

function decimalPlaces(v: Float64Array): number {
  for (let k = 0; k <= 9; k++) {
    const p = 10 ** k;
    let ok = true;
    for (let i = 0; i < v.length && ok; i++) {
      const q = Math.round(v[i] * p);
      ok = Math.abs(q) <= 0x7fffffff && Object.is((q | 0) / p, v[i]);
    }
    if (ok) return k;
  }
  return -1;
}

function codecOf(v: Float64Array, isTime: boolean): number {
  if (isTime) return stepsFit(v) ? STEPS : F64;
  const k = decimalPlaces(v);
  return k < 0 ? F64 : DECIMAL + k;
}

export function encodeColumns(cols: readonly Float64Array[]): Uint8Array {
  const n = cols[0].length;
  const codecs = cols.map((c, k) => codecOf(c, k === 0));
  const wide = codecs.filter((c) => c === F64).length;
  const out = new Uint8Array(HEAD + wide * n * 8 + (cols.length - wide) * n * 4);
  out[0] = 1;
  out.set(codecs, 1);
  new Float64Array(out.buffer, 8, 1)[0] = cols[0][0];
  let at = HEAD;
  cols.forEach((c, k) => {
    if (codecs[k] !== F64) return;
    new Float64Array(out.buffer, at, n).set(c);
    at += n * 8;
  });
  cols.forEach((c, k) => {
    if (codecs[k] === STEPS) {
      const steps = new Uint32Array(out.buffer, at, n);
      for (let i = 1; i < n; i++) steps[i] = c[i] - c[i - 1];
    } else if (codecs[k] !== F64) {
      const p = 10 ** (codecs[k] - DECIMAL);
      const q = new Int32Array(out.buffer, at, n);
      for (let i = 0; i < n; i++) q[i] = Math.round(c[i] * p);
    } else return;
    at += n * 4;
  });
  return out;
}

/** The columns of `count` bars; throws when the bytes cannot be a chunk of that many bars. */
export function decodeColumns(data: Uint8Array, count: number, columns: number): Float64Array[] {
  const d = data.byteOffset % 8 === 0 ? data : data.slice();
  const codecs = Array.from(d.subarray(1, 1 + columns));
  const wide = codecs.filter((c) => c === F64).length;
  const expected = HEAD + wide * count * 8 + (columns - wide) * count * 4;
  if (d[0] !== 1 || d.byteLength !== expected || codecs.some((c) => c > DECIMAL + 9)) {
    throw new Error(`a stored bar chunk is damaged (${d.byteLength} bytes, version ${d[0]}; expected ${expected} bytes for ${count} bars)`);
  }
  const base = new Float64Array(d.buffer, d.byteOffset + 8, 1)[0];
  const out: Float64Array[] = [];
  let at = d.byteOffset + HEAD;
  codecs.forEach((c, k) => {
    if (c !== F64) return;
    out[k] = new Float64Array(d.buffer, at, count);
    at += count * 8;
  });
  codecs.forEach((c, k) => {
    if (c === F64) return;
    const col = (out[k] = new Float64Array(count));
    if (c === STEPS) {
      const steps = new Uint32Array(d.buffer, at, count);
      col[0] = base;
      for (let i = 1; i < count; i++) col[i] = col[i - 1] + steps[i];
    } else {
      const p = 10 ** (c - DECIMAL);
      const q = new Int32Array(d.buffer, at, count);
      for (let i = 0; i < count; i++) col[i] = q[i] / p;
    }
    at += count * 4;
  });
  return out;
}
