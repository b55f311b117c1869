/**
 * The browser refused a write because the site's storage is full. IndexedDB says so
 * with a QuotaExceededError, which Dexie may hand on as its own QuotaExceededError or
 * wrap (an AbortError or BulkError with the real one inside); the user needs one
 * message that says what happened, what was being written, and that nothing was.
 */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
  constructor(readonly what: string, options?: { cause?: unknown }) {
    super(
      `The browser's storage for TradeGuard is full: could not store ${what}. Nothing was stored. ` +
        'Free space (delete bar series you no longer need, or export a backup and start a fresh workspace) or let the browser give this site more storage.',
      options,
    );
  }
}

export function isQuotaError(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 4) return false;
  const x = e as { name?: unknown; code?: unknown; inner?: unknown; cause?: unknown; failures?: unknown };
  if (x.name === 'QuotaExceededError' || x.code === 22) return true;
  const failures = Array.isArray(x.failures) ? x.failures : [];
  return [x.inner, x.cause, ...failures].some((i) => i !== e && isQuotaError(i, depth + 1));
}

/** A write's error as the caller should see it: StorageFullError when the quota refused it, else unchanged. */
export function storageError(e: unknown, what: string): unknown {
  return isQuotaError(e) ? new StorageFullError(what, { cause: e }) : e;
}
