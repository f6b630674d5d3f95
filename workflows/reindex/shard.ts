import {
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../../activities/index.js';
import {
  MAX_FAILURES_KEPT,
  type ReconcileTimes,
  type ReindexFailure,
  type ShardScope,
} from '../../activities/reindex/types.js';
import { type ShardState, shardProgressSignal, shardStateQuery } from '../defs.js';

const { copyShardPages, reconcileShard } = proxyActivities<activities.Activities>({
  startToCloseTimeout: '2 hours',
  // A worker that dies is noticed within this; the retry resumes from the heartbeated cursor.
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 20 },
});

export interface ShardInput extends ShardScope, ReconcileTimes {
  parentId: string;
  shard: number;
  pageSize: number;
  cursor?: string | null;
  copied?: number;
  failed?: number;
  failures?: ReindexFailure[];
  skipped?: number;
  skips?: ReindexFailure[];
}

export interface ShardResult {
  shard: number;
  copied: number;
  failed: number;
  failures: ReindexFailure[];
  skipped?: number;
  skips?: ReindexFailure[];
  removed: number;
  recopied: number;
}

const PAGES_PER_ACTIVITY = 10;

/** One shard of a reindex: copy its id range page by page, then reconcile it with the source. */
export async function reindexShardWorkflow(input: ShardInput): Promise<ShardResult> {
  const state: Omit<ShardState, 'shard' | 'range'> = {
    copied: input.copied ?? 0,
    failed: input.failed ?? 0,
    failures: input.failures ?? [],
    cursor: input.cursor ?? null,
    phase: 'copying',
  };
  setHandler(shardStateQuery, () => ({ shard: input.shard, range: input.range, ...state }));
  const scope: ShardScope = {
    collection: input.collection,
    source: input.source,
    dest: input.dest,
    range: input.range,
    mode: input.mode,
    ...(input.skip_unembeddable ? { skip_unembeddable: true } : {}),
  };
  let skipped = input.skipped ?? 0;
  let skips = input.skips ?? [];
  const parent = getExternalWorkflowHandle(input.parentId);
  const overlap = patched('shard-progress-with-next-activity');
  let progress: Promise<void> = Promise.resolve();
  let first = input.cursor === undefined;
  while (first || state.cursor !== null) {
    first = false;
    const r = await copyShardPages({
      ...scope,
      cursor: state.cursor,
      pages: PAGES_PER_ACTIVITY,
      pageSize: input.pageSize,
    });
    state.copied += r.copied;
    state.failed += r.failed;
    state.failures.push(...r.failures.slice(0, MAX_FAILURES_KEPT - state.failures.length));
    state.cursor = r.next;
    skipped += r.skipped ?? 0;
    skips = [...skips, ...(r.skips ?? [])].slice(0, MAX_FAILURES_KEPT);
    // The progress signal goes out with the next activity, in the same workflow task (awaiting
    // it first cost a workflow task per activity); the last one is awaited before going on, so a
    // failed signal still fails the shard.
    await progress;
    progress = parent.signal(shardProgressSignal, { shard: input.shard, copied: state.copied, failed: state.failed });
    progress.catch(() => undefined); // awaited later; not an unhandled rejection meanwhile
    if (!overlap) await progress;
    if (state.cursor !== null && workflowInfo().continueAsNewSuggested) {
      await progress;
      await continueAsNew<typeof reindexShardWorkflow>({
        ...input,
        cursor: state.cursor,
        copied: state.copied,
        failed: state.failed,
        failures: state.failures,
        skipped,
        skips,
      });
    }
  }
  await progress;
  state.phase = 'reconciling';
  const rec = await reconcileShard({
    ...scope,
    startedNs: input.startedNs,
    ...(input.settledNs ? { settledNs: input.settledNs } : {}),
  });
  state.phase = 'done';
  return {
    shard: input.shard,
    copied: state.copied,
    failed: state.failed + rec.failed,
    failures: [...state.failures, ...rec.failures].slice(0, MAX_FAILURES_KEPT),
    removed: rec.removed,
    recopied: rec.recopied,
    ...(skipped ? { skipped, skips } : {}),
  };
}
