/**
 * JSON that gives back exactly the numbers it was given. Plain JSON turns NaN and
 * ±Infinity into null and -0 into 0; an indicator input in a decision can be NaN
 * (warm-up), and the SQLite store and the backup must return events as appended.
 * Such numbers travel as {"$n":"NaN"} (or "Infinity", "-Infinity", "-0").
 */
const SPECIAL = new Set(['NaN', 'Infinity', '-Infinity', '-0']);

export function toExactJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { $n: Object.is(v, -0) ? '-0' : String(v) } : v));
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
