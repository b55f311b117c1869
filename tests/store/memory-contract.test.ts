import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { describeStoreContract } from './contract.ts';

describeStoreContract('memory store', async () => ({ store: createMemoryStore(), close: async () => {} }));
