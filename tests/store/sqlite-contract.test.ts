import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type SqliteEngineStore } from '../../relay/store/sqlite-store.ts';
import { describeStoreContract } from './contract.ts';

describeStoreContract('SQLite store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tradeguard-sqlite-'));
  const file = join(dir, 'workspace.db');
  let store: SqliteEngineStore = openSqliteStore(file);
  return {
    store,
    reopen: async () => {
      store.close();
      store = openSqliteStore(file);
      return store;
    },
    close: async () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
