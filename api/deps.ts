import type { Client } from '@temporalio/client';
import type { AppConfig } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { LazyStore } from '../stores/lazy.js';

/** What route handlers use: configuration, the store (opened lazily) and a Temporal client. */
export interface ApiDeps {
  config: AppConfig;
  store: LazyStore;
  temporal: Client;
  log: Logger;
}
