import { MemoryTaskStore } from '../../src/stores/memory.js';
import { describeTaskStoreContract } from './contract.js';

describeTaskStoreContract('MemoryTaskStore', async () => ({ store: new MemoryTaskStore(), close: async () => {} }));
