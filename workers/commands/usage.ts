/**
 * How often each command is used, per surface: the small table in Settings.
 * Counts only (no times): each surface keeps its own in its own store, the
 * PWA in IndexedDB, the relay in SQLite, and Settings shows them side by side.
 */
export type CommandUsage = Record<string, number>;

/** The counts with one more use of `name` (a new object: stored values are never mutated in place). */
export function withUse(usage: CommandUsage, name: string): CommandUsage {
  return { ...usage, [name]: (usage[name] ?? 0) + 1 };
}

/** Stored usage as read back: anything that is not a name-to-count map is read as empty rather than trusted. */
export function usageOf(stored: unknown): CommandUsage {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return {};
  const out: CommandUsage = {};
  for (const [k, v] of Object.entries(stored)) if (typeof v === 'number' && Number.isInteger(v) && v > 0) out[k] = v;
  return out;
}

/** The settings key both stores keep the counts under. */
export const COMMAND_USAGE_KEY = 'commandUsage';
