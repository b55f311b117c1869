/**
 * JSON that gives back exactly the numbers it was given. Plain JSON turns NaN and
 * ±Infinity into null and -0 into 0; an indicator input in a decision can be NaN
 * (warm-up), and the SQLite store and the backup must return events as appended.
 * Such numbers travel as {"$n":"NaN"} (or "Infinity", "-Infinity", "-0").
 */
const SPECIAL = new Set(['NaN', 'Infinity', '-Infinity', '-0']);

export function toExactJson(value: unknown): string {
  // The relay writes every event this way (twice for a decision): a replacer takes JSON.stringify off its fast path, so it is used only when needed.
  if (plainNumbers(value)) return JSON.stringify(value);
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { $n: Object.is(v, -0) ? '-0' : String(v) } : v));
}

/** True when JSON.stringify alone keeps every number: none is NaN, ±Infinity or -0 (an object with toJSON: not known, so false). */
function plainNumbers(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v) && !(v === 0 && 1 / v < 0);
  if (typeof v !== 'object' || v === null) return true;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!plainNumbers(v[i])) return false;
    return true;
  }
  for (const k in v) if (!plainNumbers((v as Record<string, unknown>)[k])) return false;
  return true;
}

export function fromExactJson<T = unknown>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const n = (v as { $n?: unknown }).$n;
      if (typeof n === 'string' && SPECIAL.has(n) && Object.keys(v).length === 1) return n === '-0' ? -0 : Number(n);
    }
    return v;
  }) as T;
}
