import { StagingArea } from '../../core/staging.js';
import { errorMessage } from '../../core/errors.js';
import { type ActivityContext, keepAlive } from '../context.js';
import { deleteFromTargets, refOf, resolveWriteTargets } from '../write-path.js';
import { staleChunkIds } from './chunks.js';
import type { BatchInput, BatchResult, FailedDeletion, FailedItem, TaskItem } from './types.js';

export function deletionActivities(ctx: ActivityContext) {
  const staging = new StagingArea(ctx.config);
  return {
    /** One batch of a deletion task: each object and all its chunks, from every write target. */
    deleteObjectsBatch(input: BatchInput): Promise<BatchResult> {
      return keepAlive(async () => {
        const ids = await staging.readBatch<unknown>(input.ref, input.batch);
        const failed: FailedDeletion[] = [];
        const valid: string[] = [];
        for (const id of ids) {
          if (typeof id === 'string' && id.length > 0) valid.push(id);
          else failed.push({ object_id: String(id), detail: 'object id must be a non-empty string' });
        }
        const targets = await resolveWriteTargets(ctx, input.collection);
        // Missing ids are not failures: deleting what is not there leaves the wanted state.
        const chunks = await staleChunkIds(ctx.store, refOf(targets, targets.blue), valid, () => 0);
        await deleteFromTargets(ctx, targets, [...valid, ...chunks]);
        await staging.writeResult(input.ref, input.batch, failed);
        return { processed: ids.length, failed: failed.length };
      });
    },

    /**
     * Called by a task workflow when a batch failed for good (its retries ran out): every item
     * of the batch is recorded as failed with the reason.
     */
    async recordBatchFailure(
      input: BatchInput & { kind: 'upsertion' | 'deletion'; detail: string },
    ): Promise<BatchResult> {
      const items = await staging.readBatch<unknown>(input.ref, input.batch);
      const rows =
        input.kind === 'deletion'
          ? items.map((id): FailedDeletion => ({ object_id: String(id), detail: input.detail }))
          : (items as TaskItem[]).map((it): FailedItem => ({
              object_id: it?.object_id,
              payload: it?.payload ?? null,
              item_info: it?.item_info ?? null,
              detail: input.detail,
              failure_stage: 'on_upsert',
            }));
      await staging.writeResult(input.ref, input.batch, rows);
      return { processed: items.length, failed: items.length };
    },

    /** Drops a finished task's staged input batches (kept for failed tasks so they can be restarted). */
    async removeStagedInputs(input: { dir: string }): Promise<void> {
      try {
        await staging.removeInputs(input);
      } catch (err) {
        ctx.log.warn({ err: errorMessage(err), dir: input.dir }, 'could not remove staged input');
      }
    },
  };
}
