import { NotFoundError, ValidationError } from '../../core/errors.js';
import { WRITE_TARGET_GRACE_MS } from '../../core/reindex.js';
import type { CollectionRef } from '../../core/types.js';
import type { ActivityContext } from '../context.js';
import { textSettings } from '../../core/items.js';
import { copyShardPages } from './copy.js';
import { countUnembeddable } from './points.js';
import { qualityGate } from './gate.js';
import { lockActivities } from './lock.js';
import { reconcileShard } from './reconcile.js';
import type { CopyMode, CopyPagesInput, GateInput, ReconcileTimes, ShardScope } from './types.js';

/** Same embedding function under another id: vectors can be copied instead of re-embedded. */
function copyMode(ctx: ActivityContext, source: string, dest: string): CopyMode {
  const strip = (id: string) => {
    const m = ctx.config.models.find((x) => x.id === id);
    if (!m) throw new NotFoundError(`unknown embedding model ${JSON.stringify(id)}`);
    const { id: _id, ...rest } = m;
    return JSON.stringify(rest);
  };
  return strip(source) === strip(dest) ? 'copy' : 'embed';
}

export function reindexActivities(ctx: ActivityContext) {
  return {
    ...lockActivities(ctx),

    /**
     * Checks the request, creates the destination and registers it as a write target — before
     * any copying, so every write from now on also reaches it. Returns the source size, how
     * points are carried over and, when the caller copies during the write-target grace, when
     * the grace ends (`settledAt`, ms): writes made with targets read before the registration
     * land in the source only, until then, and the shards' reconcile (which starts after it)
     * carries them over. Callers from before that wait out the grace here instead.
     */
    async prepareReindex(input: {
      collection: string;
      source: string;
      dest: string;
      skip_unembeddable?: boolean;
      copyDuringGrace?: boolean;
    }): Promise<{ total: number; mode: CopyMode; settledAt?: number }> {
      if (input.source === input.dest) throw new ValidationError('source and dest are the same model');
      const [entry] = await ctx.store.catalog(input.collection);
      if (!entry?.models.some((m) => m.model === input.source)) {
        throw new NotFoundError(`collection ${input.collection} has no model ${input.source} to reindex from`);
      }
      const mode = copyMode(ctx, input.source, input.dest);
      const model = ctx.embedders.get(input.dest);
      const dest = { collection: input.collection, model: input.dest };
      const existed = entry.models.some((m) => m.model === input.dest);
      await ctx.store.ensureCollection({ ...dest, dimension: model.dimension, distance: model.distance });
      await ctx.store.setWriteTarget(dest, true);
      // Writes made with targets read before this registration land within the lease.
      const settledAt = Date.now() + WRITE_TARGET_GRACE_MS;
      // The size (an estimate for progress, replaced by the shards' counts at the end) and, when
      // re-embedding, the items that cannot be (no text), which refuse the reindex unless the
      // caller accepts leaving them out.
      const [total, unembeddable] = await Promise.all([
        ctx.store.count({ collection: input.collection, model: input.source }),
        mode === 'embed' && !input.skip_unembeddable
          ? countUnembeddable(ctx, input.collection, input.source)
          : { count: 0, examples: [] },
        input.copyDuringGrace ? null : new Promise((r) => setTimeout(r, settledAt - Date.now())),
      ]);
      if (unembeddable.count > 0) {
        // Refused: a destination this created is removed (writes mirrored to it meanwhile skip
        // a dropped target); the workflow unregisters one that existed before.
        if (!existed) await ctx.store.dropCollection(dest);
        const fields = textSettings(ctx.config, input.collection).text_fields;
        throw new ValidationError(
          `${unembeddable.count} item(s) of ${input.collection} cannot be re-embedded with ${input.dest}: no text under ${fields ? `the text fields ${fields.join(', ')}` : 'any string field of their payload'} (e.g. ${unembeddable.examples.join(', ')}; items written with only a vector keep no text). Pass skip_unembeddable: true (CLI --skip-unembeddable) to reindex the others and list these`,
          { field: 'skip_unembeddable' },
        );
      }
      return { total, mode, ...(input.copyDuringGrace ? { settledAt } : {}) };
    },

    copyShardPages: (input: CopyPagesInput) => copyShardPages(ctx, input),
    reconcileShard: (input: ShardScope & ReconcileTimes) => reconcileShard(ctx, input),
    qualityGate: (input: GateInput) => qualityGate(ctx, input),

    async setWriteTarget(input: CollectionRef & { on: boolean }): Promise<void> {
      await ctx.store.setWriteTarget({ collection: input.collection, model: input.model }, input.on).catch((err) => {
        // Unregistering a destination that is already gone is done.
        if (!(err instanceof NotFoundError && !input.on)) throw err;
      });
    },

    /** Makes `model` blue in one atomic step; as blue it is written anyway, so it stops being a target. */
    async switchBlue(input: CollectionRef): Promise<void> {
      await ctx.store.setBlue(input);
      await ctx.store.setWriteTarget(input, false);
    },
  };
}
