/**
 * JSON for store values between the relay and a browser: exact numbers (NaN,
 * ±Infinity and -0 survive, as in exact-json.ts) and binary columns as base64
 * (a BarSeries' Float64Array columns, a model's bytes), bit for bit.
 */
const SPECIAL = new Set(['NaN', 'Infinity', '-Infinity', '-0']);

export function toWireJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'number') return !Number.isFinite(v) || Object.is(v, -0) ? { $n: Object.is(v, -0) ? '-0' : String(v) } : v;
    if (v instanceof Float64Array) return { $f64: toBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
    if (v instanceof Uint8Array) return { $u8: toBase64(v) };
    return v;
  });
}

export function fromWireJson<T = unknown>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length !== 1) return v;
    if (typeof o.$n === 'string' && SPECIAL.has(o.$n)) return o.$n === '-0' ? -0 : Number(o.$n);
    if (typeof o.$f64 === 'string') {
      const bytes = fromBase64(o.$f64);
      if (bytes.length % 8 !== 0) throw new Error(`a Float64 column of ${bytes.length} bytes is not whole numbers`);
      return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
    }
    if (typeof o.$u8 === 'string') return fromBase64(o.$u8);
    return v;
  }) as T;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  // String.fromCharCode over chunks: one call per byte would be slow, one call for all would overflow the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(s.length));
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
