import { type AppConfig, configOrExit } from '../core/config.js';
import { lazyClient } from '../core/temporal.js';
import { openStore, storeTarget } from '../stores/index.js';
import type { Client } from '@temporalio/client';
import type { ApiDeps } from '../api/deps.js';
import { createLogger } from '../core/logger.js';
import { LazyStore } from '../stores/lazy.js';

/** What a CLI command talks to: the same configuration, Temporal and store as the API. */
export function cliConfig(): AppConfig {
  return configOrExit();
}

export function cliTemporal(config: AppConfig): Client {
  return lazyClient(config.temporal);
}

/** Runs `fn` with what the API's services are built from (config, Temporal, a lazily opened store), closing it after. */
export async function withApiDeps<T>(fn: (deps: ApiDeps) => Promise<T>): Promise<T> {
  const config = cliConfig();
  const temporal = cliTemporal(config);
  const store = new LazyStore(() => openStore(storeTarget(config), 1));
  try {
    return await fn({ config, store, temporal, log: createLogger('cli', 'silent') });
  } finally {
    await store.close();
    await temporal.connection.close();
  }
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
}
