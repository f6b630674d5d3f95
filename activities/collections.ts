import { NotFoundError } from '../core/errors.js';
import { assertName } from '../core/names.js';
import type { CollectionRef } from '../core/types.js';
import type { CatalogEntry, CatalogModel } from '../stores/port.js';
import type { ActivityContext } from './context.js';

// Catalog activities: create physical collections, point blue, describe.
export function collectionActivities(ctx: ActivityContext) {
  return {
    async ensurePhysicalCollection(ref: CollectionRef): Promise<CatalogModel> {
      assertName('collection', ref.collection);
      const model = ctx.embedders.get(assertName('model', ref.model));
      return ctx.store.ensureCollection({ ...ref, dimension: model.dimension, distance: model.distance });
    },

    async setBlueModel(ref: CollectionRef): Promise<void> {
      await ctx.store.setBlue(ref);
    },

    async describeCollection(collection: string): Promise<CatalogEntry> {
      const [entry] = await ctx.store.catalog(collection);
      if (!entry) throw new NotFoundError(`collection ${collection} does not exist`);
      return entry;
    },
  };
}
