import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type * as activities from '../activities/index.js';
import type { BatchInput, BatchResult } from '../activities/tasks/types.js';
import type { StagedRef } from '../core/staging.js';
import { taskStateQuery } from './defs.js';
import { labelJob, setJobStatus } from './job-attributes.js';

// The loop shared by the Embedding Studio task workflows: process staged batches (two at a
// time), count progress for the `state` query, record batches whose retries ran out as failed
// items, and continue-as-new before history grows long.
export type TaskKind = 'upsertion' | 'deletion';
export type TaskStatus = 'pending' | 'processing' | 'done' | 'failed' | 'canceled' | 'refused';

export interface TaskInput {
  task_id: string;
  kind: TaskKind;
  collection: string;
  embedding_model_id: string;
  ref: StagedRef;
  created_at: string;
  /**
   * The writes' timestamp (ns since the epoch, decimal), fixed when the task was accepted: a
   * batch retried or run late never overwrites a write accepted after it.
   */
  timestamp?: string;
  /** Attempts per batch before its items are recorded as failed (default 8). */
  max_attempts?: number;
  /** Carried over continue-as-new. */
  next_batch?: number;
  processed_count?: number;
  failed_count?: number;
}

export interface TaskState {
  task_id: string;
  kind: TaskKind;
  collection: string;
  embedding_model_id: string;
  status: TaskStatus;
  created_at: string;
  updated_at: string;
  processed_count: number;
  failed_count: number;
  total: number;
  ref: StagedRef;
}

const { recordBatchFailure, removeStagedInputs } = proxyActivities<activities.Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 20, maximumInterval: '30s' },
});

const CONCURRENCY = 2;
const BATCHES_PER_RUN = 250;

export async function runTask(
  input: TaskInput,
  activity: 'upsertItemsBatch' | 'deleteObjectsBatch',
): Promise<TaskState> {
  const processBatch: (b: BatchInput) => Promise<BatchResult> = proxyActivities<activities.Activities>({
    startToCloseTimeout: '5 minutes',
    // Batches heartbeat while they run (keepAlive): a dead worker's batch is retried in 30 s.
    heartbeatTimeout: '30 seconds',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      maximumAttempts: input.max_attempts ?? 8,
    },
  })[activity];
  const state: TaskState = {
    task_id: input.task_id,
    kind: input.kind,
    collection: input.collection,
    embedding_model_id: input.embedding_model_id,
    status: input.next_batch ? 'processing' : 'pending',
    created_at: input.created_at,
    updated_at: new Date().toISOString(),
    processed_count: input.processed_count ?? 0,
    failed_count: input.failed_count ?? 0,
    total: input.ref.items,
    ref: input.ref,
  };
  const setStatus = (status: TaskStatus) => {
    state.status = status;
    state.updated_at = new Date().toISOString();
    setJobStatus(status);
  };
  setHandler(taskStateQuery, () => state);
  labelJob(input.kind, input.collection, state.status);

  let next = input.next_batch ?? 0;
  const end = Math.min(input.ref.batches, next + BATCHES_PER_RUN);
  try {
    const worker = async () => {
      while (next < end) {
        const batch = next++;
        if (state.status === 'pending') setStatus('processing');
        const args: BatchInput = {
          taskId: input.task_id,
          collection: input.collection,
          ref: input.ref,
          batch,
          ...(input.timestamp ? { timestamp: input.timestamp } : {}),
        };
        let result: BatchResult;
        try {
          result = await processBatch(args);
        } catch (err) {
          if (isCancellation(err) || !(err instanceof ActivityFailure) || isFatal(err)) throw err;
          result = await recordBatchFailure({ ...args, kind: input.kind, detail: failureDetail(err) });
        }
        state.processed_count += result.processed;
        state.failed_count += result.failed;
        state.updated_at = new Date().toISOString();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => setStatus('canceled'));
      throw err;
    }
    setStatus('failed');
    throw err;
  }
  if (end < input.ref.batches) {
    await continueAsNew<(i: TaskInput) => Promise<TaskState>>({
      ...input,
      next_batch: end,
      processed_count: state.processed_count,
      failed_count: state.failed_count,
    });
  }
  if (input.kind === 'upsertion') await removeStagedInputs({ dir: input.ref.dir });
  setStatus('done');
  return state;
}

/** A missing collection or model fails the whole task; anything else fails only its batch. */
function isFatal(err: ActivityFailure): boolean {
  return err.cause instanceof ApplicationFailure && err.cause.type === 'NotFoundError';
}

function failureDetail(err: ActivityFailure): string {
  return `batch failed after retries: ${err.cause?.message ?? err.message}`;
}
