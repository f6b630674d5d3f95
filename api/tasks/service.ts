import type { FailedDeletion, FailedItem } from '../../activities/tasks/types.js';
import { ConflictError, NotFoundError, UnavailableError } from '../../core/errors.js';
import { StagingArea } from '../../core/staging.js';
import { taskStateQuery } from '../../workflows/defs.js';
import { deletionTaskWorkflow, upsertionTaskWorkflow } from '../../workflows/index.js';
import type { TaskInput, TaskKind } from '../../workflows/task-loop.js';
import type { ApiDeps } from '../deps.js';
import { packItemVector } from '../../core/task-vectors.js';
import { nowNs } from '../../core/time.js';
import {
  NO_WORKER,
  noWorkerAnswer,
  WrongJobTypeError,
  cancelJob,
  closedStatus,
  describeJob,
  jobStatus,
  newJobId,
  queryState,
  startOnce,
} from '../jobs.js';

// The Embedding Studio task API over Temporal: the task id is the workflow id, requests are
// staged on disk and only their reference enters workflow history.
// Items to embed go in batches of 100 (one embedding request each; a failing batch is retried
// item by item). Items that all carry their vectors, and deletions, need no model: batches of
// 1,000 take the store's bulk path with a tenth of the activity round trips (issue #15).
export const TASK_BATCH_SIZE = 100;
export const BULK_BATCH_SIZE = 1000;
const hasVector = (item: unknown) => Array.isArray((item as { vector?: unknown } | null)?.vector);
/** The staging batch size of a task's items. */
export const batchSizeOf = (kind: TaskKind, items: unknown[]) =>
  kind === 'deletion' || items.every(hasVector) ? BULK_BATCH_SIZE : TASK_BATCH_SIZE;
const TASK_WORKFLOWS = { upsertion: upsertionTaskWorkflow, deletion: deletionTaskWorkflow } as const;

export class EmbeddingTaskService {
  private readonly staging: StagingArea;

  constructor(private readonly deps: ApiDeps) {
    this.staging = new StagingArea(deps.config);
  }

  async start(
    kind: TaskKind,
    collection: string,
    taskId: string | undefined,
    items: unknown[],
  ): Promise<Record<string, unknown>> {
    const id = taskId ?? newJobId();
    const store = await this.deps.store.get();
    const blue = await store.getBlue(collection);
    if (blue === null) throw new NotFoundError(`collection ${collection} does not exist or has no blue model`);
    // A known id answers with the existing task before anything is staged.
    try {
      return await this.get(kind, id);
    } catch (err) {
      if (err instanceof WrongJobTypeError)
        throw new ConflictError(`task id ${JSON.stringify(id)} is already used by another kind of task`);
      if (!(err instanceof NotFoundError)) throw err;
    }
    const created_at = new Date().toISOString();
    const staged = kind === 'upsertion' ? items.map(packItemVector) : items;
    const ref = await this.staging.stage(kind, staged, batchSizeOf(kind, items), {
      task_id: id,
      kind,
      collection,
      created_at,
    });
    const input: TaskInput = {
      task_id: id,
      kind,
      collection,
      embedding_model_id: blue,
      ref,
      created_at,
      timestamp: nowNs().toString(), // accepted now: later writes win over this task's
      max_attempts: this.deps.config.env.VECFLOW_TASK_MAX_ATTEMPTS,
    };
    const started = await startOnce(this.deps, TASK_WORKFLOWS[kind], {
      workflowId: id,
      input,
      kind,
      collection,
      token: ref.dir,
    });
    if (!started) await this.staging.remove(ref);
    return this.get(kind, id);
  }

  async get(kind: TaskKind, id: string): Promise<Record<string, unknown>> {
    const desc = await describeJob(this.deps.temporal, id, TASK_WORKFLOWS[kind]);
    const state = await queryState(this.deps.temporal, id, taskStateQuery);
    if (!state) return noWorkerAnswer(desc, id);
    const status = jobStatus(desc, state.status);
    const base = {
      id,
      task_id: id,
      status,
      collection: state.collection,
      created_at: state.created_at,
      updated_at: desc.closeTime && closedStatus(desc) !== null ? desc.closeTime.toISOString() : state.updated_at,
      processed_count: state.processed_count,
      total_count: state.total,
      embedding_model_id: state.embedding_model_id,
      fine_tuning_method: null,
    };
    if (kind === 'upsertion') {
      return { ...base, failed_items: await this.staging.readResults<FailedItem>(state.ref) };
    }
    const failures = await this.staging.readResults<FailedDeletion>(state.ref);
    const object_ids = await this.staging.readAll<unknown>(state.ref).catch(() => []);
    return { ...base, object_ids, failed_item_ids: failures.map((f) => f.object_id), failed_items: failures };
  }

  async cancel(kind: TaskKind, id: string): Promise<Record<string, unknown>> {
    await cancelJob(this.deps.temporal, await describeJob(this.deps.temporal, id, TASK_WORKFLOWS[kind]));
    return this.get(kind, id);
  }

  async restart(kind: TaskKind, id: string): Promise<Record<string, unknown>> {
    const desc = await describeJob(this.deps.temporal, id, TASK_WORKFLOWS[kind]);
    const status = closedStatus(desc);
    if (status !== 'failed' && status !== 'canceled') {
      throw new ConflictError(`only a failed or canceled task can be restarted; ${id} is ${status ?? 'running'}`);
    }
    const state = await queryState(this.deps.temporal, id, taskStateQuery);
    if (!state) throw new UnavailableError(NO_WORKER);
    const input: TaskInput = {
      task_id: id,
      kind,
      collection: state.collection,
      embedding_model_id: state.embedding_model_id,
      ref: state.ref,
      created_at: state.created_at,
      timestamp: nowNs().toString(), // a restart is accepted anew
      max_attempts: this.deps.config.env.VECFLOW_TASK_MAX_ATTEMPTS,
    };
    await this.deps.temporal.workflow.start(TASK_WORKFLOWS[kind], {
      workflowId: id,
      taskQueue: this.deps.config.env.VECFLOW_TASK_QUEUE,
      args: [input],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      memo: { token: `${state.ref.dir}#restart`, created_at: state.created_at },
    });
    return this.get(kind, id);
  }
}
