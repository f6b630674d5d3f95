import { itemText, textSettings } from '../core/items.js';
import { StagingArea } from '../core/staging.js';
import { readValdRequests } from '../core/vald-staging.js';
import { type ValdOp, type ValdRequestWire, type ValdResult, fromWire, status } from '../core/vald.js';
import type { ActivityContext } from './context.js';
import { applyVald, locationOf } from './vald-apply.js';
import { deleteFromMirrors, refOf, resolveWriteTargets, writeToTargets } from './write-path.js';

// The Vald activities: batches of requests (Multi, Stream chunks), RemoveByTimestamp,
// UpdateTimestamp and Flush, on the shared write path (the semantics are in vald-apply.ts).
export interface ValdTimestampUpdate {
  collection: string;
  id: string;
  /** int64 nanoseconds, decimal. */
  timestamp: string;
  force: boolean;
}

export interface ValdWriteInput {
  collection: string;
  op: ValdOp;
  requests?: ValdRequestWire[];
  /** Staged requests (large multi and stream chunks); results are then staged beside them. */
  staged?: { dir: string; batches: number; items: number };
}

export function valdActivities(ctx: ActivityContext) {
  const staging = new StagingArea(ctx.config);
  return {
    /** Applies insert/update/upsert/remove requests; results are index-aligned with the requests. */
    async applyValdRequests(input: ValdWriteInput): Promise<ValdResult[] | null> {
      const requests = input.staged
        ? await readValdRequests(staging, input.staged)
        : (input.requests ?? []).map(fromWire);
      const results = await applyVald(ctx, input.collection, input.op, requests);
      if (!input.staged) return results;
      await staging.writeResult(input.staged, 0, results);
      return null;
    },

    /** Removes every point whose timestamp satisfies all conditions, from every write target. */
    async removeValdByTimestamp(input: {
      collection: string;
      conditions: { operator: 'eq' | 'ne' | 'ge' | 'gt' | 'le' | 'lt'; timestamp: string }[];
    }): Promise<ValdResult[]> {
      const targets = await resolveWriteTargets(ctx, input.collection);
      const conditions = input.conditions.map((c) => ({ operator: c.operator, timestamp: BigInt(c.timestamp) }));
      const removed = await ctx.store.deleteByTimestamp(refOf(targets, targets.blue), conditions);
      await deleteFromMirrors(ctx, targets, removed);
      return removed.map((id) => locationOf(targets, id));
    },

    /**
     * Vald UpdateTimestamp: the stored vector keeps its values and takes `timestamp`; NOT_FOUND
     * when absent, ABORTED when it already holds a timestamp as new, unless `force`.
     */
    async updateValdTimestamp(input: ValdTimestampUpdate): Promise<ValdResult> {
      const targets = await resolveWriteTargets(ctx, input.collection);
      const [stored] = await ctx.store.get(refOf(targets, targets.blue), [input.id]);
      if (!stored) return status('NOT_FOUND', `${input.id} does not exist`);
      const ts = BigInt(input.timestamp);
      const aborted = status('ABORTED', `${input.id} holds timestamp ${stored.timestamp}, not older than ${ts}`);
      if (!input.force && ts <= stored.timestamp) return aborted;
      const text = itemText(stored.payload, textSettings(ctx.config, targets.collection)) || undefined;
      const outcome = await writeToTargets(
        ctx,
        targets,
        [{ point: { ...stored, timestamp: ts }, text }],
        input.force ? 'overwrite' : 'newer',
      );
      return outcome.written.includes(input.id) ? locationOf(targets, input.id) : aborted;
    },

    /** Vald Flush: removes every vector of the collection, from blue and every reindex destination. */
    async flushValdCollection(input: { collection: string }): Promise<{ removed: number }> {
      const targets = await resolveWriteTargets(ctx, input.collection);
      const all = { op: 'and' as const, items: [] };
      let removed = 0;
      for (const model of [targets.blue, ...targets.extra]) {
        const n = await ctx.store.deleteByFilter(refOf(targets, model), all);
        if (model === targets.blue) removed = n;
      }
      return { removed };
    },
  };
}
