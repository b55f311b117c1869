import { afterEach, describe, expect, it, vi } from 'vitest';
import { requestPersistentStorage, storageUsage } from '../../app/store/persist.ts';

afterEach(() => vi.unstubAllGlobals());

describe('persistent storage', () => {
  it('asks for persistence only when not yet persisted, and reports usage', async () => {
    const persist = vi.fn(async () => true);
    vi.stubGlobal('navigator', { storage: { persisted: async () => false, persist, estimate: async () => ({ usage: 1234, quota: 5678 }) } });
    expect(await requestPersistentStorage()).toBe(true);
    expect(persist).toHaveBeenCalledTimes(1);
    expect(await storageUsage()).toEqual({ usedBytes: 1234, quotaBytes: 5678 });
  });

  it('says false / null where the browser has no storage manager or it fails', async () => {
    vi.stubGlobal('navigator', {});
    expect([await requestPersistentStorage(), await storageUsage()]).toEqual([false, null]);
    vi.stubGlobal('navigator', { storage: { persist: async () => Promise.reject(new Error('denied')), estimate: async () => Promise.reject(new Error('no')) } });
    expect([await requestPersistentStorage(), await storageUsage()]).toEqual([false, null]);
  });
});
