import { TaskguardError, describeError } from '../errors.js';
import type { StoreConfig } from '../config/host-config.js';
import { MemoryTaskStore } from '../stores/memory.js';
import { PostgresTaskStore } from '../stores/postgres.js';
import { SqliteTaskStore } from '../stores/sqlite.js';
import type { TaskStore } from '../stores/types.js';
import type { SliceStore } from '../guard/shared-rate-limit.js';

export interface OpenedStore {
  store: TaskStore;
  /** For the startup line: where tasks live, never a password. */
  description: string;
  /** Where hosts sharing the store count rate-limit budgets (postgres only: other stores serve one host). */
  slices?: SliceStore;
  close(): Promise<void>;
}

/** The connection string of a postgres store, from the environment variable the config names. */
export function postgresUrl(config: Extract<StoreConfig, { kind: 'postgres' }>): string {
  const url = process.env[config.urlEnv];
  if (!url) throw new TaskguardError('config_invalid', `store.kind postgres reads its connection string from ${config.urlEnv}, which is not set`);
  return url;
}

/**
 * The key tasks/list cursors are sealed with, from the environment variable the config names: hosts that
 * share a store and a load balancer need the same one, or a page cursor from one host is refused by the
 * next. Without it each process draws its own (cursors then work on the host that issued them).
 */
export function cursorSecret(config: StoreConfig): Uint8Array | undefined {
  if (config.kind === 'memory' || config.cursorSecretEnv === undefined) return undefined;
  const value = process.env[config.cursorSecretEnv];
  if (!value) throw new TaskguardError('config_invalid', `store.cursor_secret_env names ${config.cursorSecretEnv}, which is not set`);
  const bytes = /^[0-9a-f]+$/i.test(value) && value.length % 2 === 0 ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (bytes.length < 32) throw new TaskguardError('config_invalid', `${config.cursorSecretEnv} must hold at least 32 random bytes, hex or base64`);
  return new Uint8Array(bytes);
}

/** Opens the task store the config names; a store that cannot open stops the host before it listens. */
export async function openStore(config: StoreConfig): Promise<OpenedStore> {
  try {
    switch (config.kind) {
      case 'memory':
        return { store: new MemoryTaskStore(), description: 'memory (tasks end with the process)', close: async () => {} };
      case 'sqlite': {
        const store = await SqliteTaskStore.open(config.file);
        return { store, description: `sqlite ${config.file}`, close: () => store.close() };
      }
      case 'postgres': {
        const store = await PostgresTaskStore.open({ connectionString: postgresUrl(config), max: config.poolSize, schema: config.schema });
        return { store, slices: store, description: `postgres (${config.urlEnv}, schema ${config.schema})`, close: () => store.close() };
      }
    }
  } catch (err) {
    if (err instanceof TaskguardError) throw err;
    throw new TaskguardError('store_unavailable', `cannot open the ${config.kind} task store: ${describeError(err)}`, { cause: err });
  }
}
