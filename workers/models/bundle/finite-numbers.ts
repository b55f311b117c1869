/**
 * Where a manifest holds a number that is not finite. JSON has no Infinity or
 * NaN, but JSON.parse reads 1e999 as Infinity: stored, it would print as
 * "Infinity" samples, and a scaler or threshold of it poisons every decision.
 */
export function nonFiniteNumbers(v: unknown, path = ''): string[] {
  if (typeof v === 'number') return Number.isFinite(v) ? [] : [`${path || 'the manifest'} is ${v}, not a finite number (a literal such as 1e999 is too large for a number)`];
  if (v === null || typeof v !== 'object') return [];
  const out: string[] = [];
  const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [`${path}[${i}]`, x]) : Object.entries(v).map(([k, x]) => [path ? `${path}.${k}` : k, x]);
  for (const [p, x] of entries) {
    out.push(...nonFiniteNumbers(x, p));
    // One line per field is enough: a scaler of 60 infinities says it once.
    if (out.length >= 5) break;
  }
  return out;
}
