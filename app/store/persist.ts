/**
 * Whether the browser keeps the workspace under storage pressure. Without a granted
 * persist(), Chromium and Safari may evict IndexedDB of a site not used for a while,
 * taking the journal and imported bars with it. Both calls tolerate a browser (or a
 * worker) without navigator.storage.
 */
interface StorageManagerLike {
  persist?: () => Promise<boolean>;
  persisted?: () => Promise<boolean>;
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
}

function storageManager(): StorageManagerLike | undefined {
  return (globalThis as { navigator?: { storage?: StorageManagerLike } }).navigator?.storage;
}

/** Asks for persistent storage; true when it is (or already was) granted. */
export async function requestPersistentStorage(): Promise<boolean> {
  const s = storageManager();
  try {
    if (s?.persisted && (await s.persisted())) return true;
    return s?.persist ? await s.persist() : false;
  } catch {
    return false;
  }
}

/** What the site uses and may use, in bytes; null when the browser does not say. */
export async function storageUsage(): Promise<{ usedBytes: number; quotaBytes: number } | null> {
  const s = storageManager();
  if (!s?.estimate) return null;
  try {
    const e = await s.estimate();
    return { usedBytes: e.usage ?? 0, quotaBytes: e.quota ?? 0 };
  } catch {
    return null;
  }
}
