import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createDexieStore, type DexieEngineStore } from '../../app/store/dexie-store.ts';
import { describeStoreContract } from './contract.ts';

let n = 0;
describeStoreContract('Dexie store (fake-indexeddb)', async () => {
  const opts = { indexedDB: new IDBFactory(), IDBKeyRange };
  const name = `contract-${++n}`;
  let store: DexieEngineStore = createDexieStore(name, opts);
  return {
    store,
    reopen: async () => {
      await store.close();
      store = createDexieStore(name, opts);
      return store;
    },
    close: () => store.close(),
  };
});
