import {
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../../activities/index.js';
import { MAX_FAILURES_KEPT } from '../../activities/reindex/types.js';
import { splitIdSpace } from '../../core/id-space.js';
import { REINDEX_DEFAULTS, defaultShardCount } from '../../core/reindex.js';
import { reindexLockWorkflowId, reindexShardWorkflowId } from '../ids.js';
import {
  lockGrantedSignal,
  lockRefusedSignal,
  releaseLockSignal,
  shardProgressSignal,
  reindexStateQuery,
} from '../defs.js';
import { rootMessage } from '../failures.js';
import { labelJob, setJobStatus } from '../job-attributes.js';
import { type ReindexInput, type ReindexState, newReindexState } from './state.js';
import { reindexShardWorkflow } from './shard.js';

const { requestReindexLock, prepareReindex, qualityGate, setWriteTarget, switchBlue } =
  proxyActivities<activities.Activities>({
    startToCloseTimeout: '10 minutes',
    retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 20 },
  });

/**
 * Reindex a collection from one embedding model to another: take the collection's lock (or
 * wait for it, or be refused), register the destination as a write target, copy shard by shard
 * in child workflows (at most K at once), reconcile, then — only if everything went well and the
 * quality gate passes — switch blue atomically.
 */
export async function reindexWorkflow(input: ReindexInput): Promise<ReindexState> {
  const taskId = workflowInfo().workflowId;
  const state = newReindexState(input, taskId);
  const shardCounts = new Map<number, number>();
  const setStatus = (s: ReindexState['status']) => {
    state.status = s;
    state.updated_at = new Date().toISOString();
    setJobStatus(s);
  };
  const recount = () => {
    state.count = [...shardCounts.values()].reduce((a, b) => a + b, 0);
    state.progress =
      state.total > 0
        ? Math.min(100, Math.floor((state.count * 100) / state.total))
        : state.status === 'done'
          ? 100
          : 0;
    state.updated_at = new Date().toISOString();
  };
  setHandler(reindexStateQuery, () => state);
  setHandler(shardProgressSignal, ({ shard, copied, failed }) => {
    shardCounts.set(shard, copied + failed);
    recount();
  });
  let lock = 'waiting' as 'waiting' | 'granted' | 'refused';
  setHandler(lockGrantedSignal, () => void (lock = lock === 'waiting' ? 'granted' : lock));
  setHandler(lockRefusedSignal, ({ holder }) => {
    if (lock !== 'waiting') return;
    lock = 'refused';
    state.detail = `collection ${input.collection} is being reindexed by ${holder}`;
  });
  labelJob('reindex', input.collection, 'pending');

  // The lock is per task queue (workflows/ids.ts); a run started before that keeps the old id.
  const lockId = patched('reindex-lock-per-task-queue')
    ? reindexLockWorkflowId(input.collection, workflowInfo().taskQueue)
    : reindexLockWorkflowId(input.collection);
  await requestReindexLock({ collection: input.collection, taskId, wait: input.wait_on_conflict, lockId });
  await condition(() => lock !== 'waiting');
  if (lock === 'refused') {
    setStatus('refused');
    return state;
  }

  const dest = { collection: input.collection, model: input.dest.embedding_model_id };
  try {
    setStatus('processing');
    state.phase = 'preparing';
    // The shards copy during the write-target grace instead of after it (≈ 1 s sooner): their
    // reconcile starts after it and carries over the writes that landed in the source meanwhile.
    const copyDuringGrace = patched('reindex-copies-during-write-target-grace');
    const { total, mode, settledAt } = await prepareReindex({
      collection: input.collection,
      source: input.source.embedding_model_id,
      dest: dest.model,
      ...(input.skip_unembeddable ? { skip_unembeddable: true } : {}),
      ...(copyDuringGrace ? { copyDuringGrace } : {}),
    });
    state.total = total;
    state.mode = mode;
    const startedNs = (BigInt(Date.now()) * 1_000_000n).toString();
    const settledNs = settledAt === undefined ? undefined : (BigInt(settledAt) * 1_000_000n).toString();
    const ranges = splitIdSpace(input.shards ?? defaultShardCount(total));
    state.children = ranges.map((_, i) => reindexShardWorkflowId(taskId, i));
    state.phase = 'copying';
    let next = 0;
    const runShards = async () => {
      while (next < ranges.length) {
        const shard = next++;
        const r = await executeChild(reindexShardWorkflow, {
          workflowId: state.children[shard],
          args: [
            {
              parentId: taskId,
              shard,
              collection: input.collection,
              source: input.source.embedding_model_id,
              dest: dest.model,
              range: ranges[shard],
              mode,
              ...(input.skip_unembeddable ? { skip_unembeddable: true } : {}),
              pageSize: input.page_size ?? REINDEX_DEFAULTS.page_size,
              startedNs,
              ...(settledNs ? { settledNs } : {}),
            },
          ],
        });
        shardCounts.set(shard, r.copied + r.failed);
        state.failed_count += r.failed;
        state.removed += r.removed;
        state.recopied += r.recopied;
        state.failed_items.push(...r.failures.slice(0, 10 * MAX_FAILURES_KEPT - state.failed_items.length));
        state.skipped_count += r.skipped ?? 0;
        state.skipped_items.push(...(r.skips ?? []).slice(0, 10 * MAX_FAILURES_KEPT - state.skipped_items.length));
        recount();
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(ranges.length, input.max_parallel ?? REINDEX_DEFAULTS.max_parallel) }, runShards),
    );
    // Writes during the copy add and remove items: once every shard is through, the total is
    // what they went through, not the estimate taken before.
    state.total = state.count;
    recount();

    const threshold = input.failure_threshold ?? REINDEX_DEFAULTS.failure_threshold;
    if (exceeds(state.failed_count, state.total, threshold)) {
      throw ApplicationFailure.nonRetryable(
        `${state.failed_count} of ${state.total} items failed, above the failure threshold ${JSON.stringify(threshold)}`,
        'FailureThreshold',
      );
    }
    if (input.deploy_as_blue) {
      state.phase = 'quality-gate';
      const gate = input.quality_gate ?? REINDEX_DEFAULTS.quality_gate;
      state.gate = await qualityGate({
        collection: input.collection,
        dest: dest.model,
        sampleSize: gate.sample_size,
        k: gate.k,
      });
      if (state.gate.ratio < gate.min_pass_ratio) {
        throw ApplicationFailure.nonRetryable(
          `quality gate failed: ${state.gate.passed}/${state.gate.sampled} sampled items found themselves in the top ${gate.k} (need ${gate.min_pass_ratio})`,
          'QualityGate',
        );
      }
      state.phase = 'switching';
      await switchBlue(dest);
      state.switched = true;
    }
    state.phase = 'done';
    setStatus('done');
    recount();
    return state;
  } catch (err) {
    // Whatever went wrong, the destination stops receiving writes and blue stays as it was.
    await CancellationScope.nonCancellable(async () => {
      await setWriteTarget({ ...dest, on: false });
      state.detail = state.detail ?? rootMessage(err);
      setStatus(isCancellation(err) ? 'canceled' : 'failed');
    });
    throw err;
  } finally {
    await CancellationScope.nonCancellable(() =>
      getExternalWorkflowHandle(lockId)
        .signal(releaseLockSignal, { taskId })
        .catch(() => undefined),
    );
  }
}

function exceeds(failed: number, total: number, t: { count?: number; fraction?: number }): boolean {
  if (t.count !== undefined && failed > t.count) return true;
  return t.fraction !== undefined && total > 0 && failed / total > t.fraction;
}
