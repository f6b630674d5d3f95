import type { Client } from '@temporalio/client';
import type { ActivityContext } from '../activities/index.js';
import type { AppConfig } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { EmbedderRegistry } from '../embedders/index.js';
import type { EmbeddedBulkAccess } from '../stores/postgres/embedded.js';
import type { VectorStore } from '../stores/port.js';

/** Builds the activity context and makes sure every configured collection has its blue model. */
export async function prepareContext(
  config: AppConfig,
  store: VectorStore,
  log: Logger,
  temporal?: Client,
  embedded?: EmbeddedBulkAccess,
): Promise<ActivityContext> {
  const embedders = new EmbedderRegistry(config.models);
  for (const c of config.collections) {
    const model = embedders.get(c.blue_model);
    await store.ensureCollection({
      collection: c.name,
      model: model.id,
      dimension: model.dimension,
      distance: model.distance,
    });
    // Only a collection without blue gets the configured one: a reindex may have moved it since.
    if ((await store.getBlue(c.name)) === null) await store.setBlue({ collection: c.name, model: model.id });
  }
  log.info({ collections: config.collections.map((c) => c.name), models: embedders.ids() }, 'catalog ready');
  return { config, store, embedders, log, temporal, embedded };
}
