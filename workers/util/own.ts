/**
 * The entry of a lookup table under a key that came from outside (a request,
 * a file, a command line), or undefined. Own properties only: a plain object
 * also answers to "__proto__", "constructor" and "toString" through its
 * prototype, which would turn a wrong name into a crash instead of a refusal.
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * A lookup table with no prototype: `table[name]` is undefined for any name not
 * listed, "__proto__" included, wherever it is read (engine, relay or app).
 * Entries may still be added (tests register their own strategies).
 */
export function lookupTable<T>(entries: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}
