import type { ActivityContext } from '../../activities/context.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import type { PostgresStore } from '../../stores/postgres/store.js';
import { prepareContext } from '../../worker/context.js';
import { startTestPglite } from './pglite.js';

/** The worker's activity context on a fresh embedded store, to run activities and their parts directly. */
export async function activityContextOnPglite(options: { bulk?: boolean } = {}): Promise<{
  store: PostgresStore;
  ctx: ActivityContext;
  stop(): Promise<void>;
}> {
  const pglite = await startTestPglite();
  const store = await pglite.openStore(2, { bulk: options.bulk });
  const config = loadConfig({ VECFLOW_DATA_DIR: pglite.dir, LOG_LEVEL: 'warn' });
  const ctx = await prepareContext(config, store, createLogger('test', 'warn'));
  return {
    store,
    ctx,
    async stop() {
      await store.close();
      await pglite.stop();
    },
  };
}
