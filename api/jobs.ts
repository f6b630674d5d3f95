import { taskQueueCondition } from '../core/temporal.js';
import { randomUUID } from 'node:crypto';
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.js';
import { RESERVED_ID_MESSAGE, isReservedJobId } from '../workflows/ids.js';
import { COLLECTION, KIND, STATUS } from '../core/search-attributes.js';
import type { QueryDefinition } from '@temporalio/common';
import type { ApiDeps } from './deps.js';

// What every job route shares: idempotent starts with the business id as workflow id, the
// mapping of Temporal's execution status to ours, and listing through Temporal visibility.
export type JobStatus = 'pending' | 'processing' | 'done' | 'failed' | 'canceled' | 'refused';

export function newJobId(): string {
  return randomUUID();
}

/** A job workflow: one input, started by function reference with its business id as workflow id. */
export type JobWorkflow<I> = (input: I) => Promise<unknown>;

/** Every job's input says when it was created (the seed's import/export name it started_at). */
export type JobInput = { created_at: string } | { started_at: string };

/**
 * When a job was created: the time its input carries, kept in the memo so that lists (which read
 * visibility, not the job's state), gets and restarts show one timestamp per job — a run's own
 * start time differs from it by the start's latency, and changes on continue-as-new and restarts.
 */
export function createdAt(wf: { memo?: Record<string, unknown>; startTime: Date }): string {
  const memo = wf.memo?.created_at;
  return typeof memo === 'string' ? memo : wf.startTime.toISOString();
}

function inputCreatedAt(input: JobInput): string {
  return 'created_at' in input ? input.created_at : input.started_at;
}

/**
 * Starts the workflow unless one with this id exists (running or closed). Returns whether this
 * call started it: a second request with the same id never runs anything twice.
 */
export async function startOnce<I extends JobInput>(
  deps: Pick<ApiDeps, 'temporal' | 'config'>,
  workflow: JobWorkflow<I>,
  options: { workflowId: string; input: I; kind: string; collection: string; token?: string },
): Promise<boolean> {
  if (isReservedJobId(options.workflowId))
    throw new ValidationError(`job id ${JSON.stringify(options.workflowId)}: ${RESERVED_ID_MESSAGE}`, { field: 'id' });
  const token = options.token ?? newJobId();
  try {
    const handle = await deps.temporal.workflow.start(workflow, {
      workflowId: options.workflowId,
      taskQueue: deps.config.env.VECFLOW_TASK_QUEUE,
      args: [options.input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { token, created_at: inputCreatedAt(options.input) },
      typedSearchAttributes: [
        { key: KIND, value: options.kind },
        { key: COLLECTION, value: options.collection },
        { key: STATUS, value: 'pending' },
      ],
    });
    // With USE_EXISTING a concurrent twin's run comes back: the memo says whose it is.
    const desc = await handle.describe();
    return desc.memo?.token === token;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/** The id exists, but belongs to another kind of job. */
export class WrongJobTypeError extends NotFoundError {}

/** Describes a job, checking that the id belongs to a workflow of the expected type. */
export async function describeJob(
  client: Client,
  workflowId: string,
  workflow: JobWorkflow<never>,
): Promise<WorkflowExecutionDescription> {
  let desc: WorkflowExecutionDescription;
  try {
    desc = await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError')
      throw new NotFoundError(`no such task: ${JSON.stringify(workflowId)}`);
    throw err;
  }
  if (desc.type !== workflow.name)
    throw new WrongJobTypeError(`no such task: ${JSON.stringify(workflowId)} (that id belongs to a ${desc.type})`);
  return desc;
}

/**
 * The status to show, in the one vocabulary (pending, processing, done, failed, canceled,
 * refused): a closed execution's, else what the workflow's state says (an import's `running` is
 * `processing`). A workflow that completed by refusing (a reindex lock conflict) or by failing
 * (an import whose every row failed, a verification that found problems) keeps its own word.
 * A state that says `failed` while Temporal still has the execution running is `processing`: the
 * workflow is about to close, and the failure's reason arrives with Temporal's record of it.
 */
export function jobStatus(desc: WorkflowExecutionDescription, own: string): JobStatus {
  const closed = closedStatus(desc);
  if (closed === null) return own === 'running' || own === 'failed' ? 'processing' : (own as JobStatus);
  return closed === 'done' && (own === 'refused' || own === 'failed') ? own : closed;
}

/** Our status for a closed execution, or null while it runs (the workflow's own state says). */
export function closedStatus(desc: WorkflowExecutionDescription): JobStatus | null {
  switch (desc.status.name) {
    case 'RUNNING':
    case 'CONTINUED_AS_NEW':
      return null;
    case 'COMPLETED':
      return 'done';
    case 'CANCELLED':
      return 'canceled';
    default:
      return 'failed';
  }
}

const VISIBILITY_STATUS: Record<JobStatus, string> = {
  pending: `ExecutionStatus = 'Running' AND VecflowStatus = 'pending'`,
  processing: `ExecutionStatus = 'Running' AND VecflowStatus = 'processing'`,
  done: `ExecutionStatus = 'Completed' AND VecflowStatus != 'refused'`,
  refused: `VecflowStatus = 'refused'`,
  failed: `ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut')`,
  canceled: `ExecutionStatus = 'Canceled'`,
};

export interface JobSummary {
  id: string;
  task_id: string;
  kind: string | null;
  status: JobStatus;
  collection: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Lists jobs of one kind started on this deployment's task queue (a namespace may hold several
 * deployments), newest first, from Temporal visibility.
 */
export async function listJobs(
  deps: Pick<ApiDeps, 'temporal' | 'config'>,
  kind: string | null,
  q: { status?: JobStatus; limit: number; offset: number },
): Promise<JobSummary[]> {
  const client = deps.temporal;
  // Kinds are validated names (VecflowKind values), never free text from a request.
  const query =
    `${kind ? `VecflowKind = '${kind}'` : 'VecflowKind IS NOT NULL'} AND ${taskQueueCondition(deps.config.env.VECFLOW_TASK_QUEUE)}` +
    (q.status ? ` AND ${VISIBILITY_STATUS[q.status]}` : '');
  const out: JobSummary[] = [];
  let seen = 0;
  for await (const wf of client.workflow.list({ query })) {
    if (seen++ < q.offset) continue;
    const sa = wf.typedSearchAttributes;
    const running = wf.status.name === 'RUNNING';
    const status = running
      ? ((sa.get(STATUS) as JobStatus) ?? 'pending')
      : sa.get(STATUS) === 'refused'
        ? 'refused'
        : closedStatus({ status: wf.status } as WorkflowExecutionDescription)!;
    out.push({
      id: wf.workflowId,
      task_id: wf.workflowId,
      kind: sa.get(KIND) ?? null,
      status,
      collection: sa.get(COLLECTION) ?? null,
      created_at: createdAt(wf),
      updated_at: (wf.closeTime ?? wf.executionTime ?? wf.startTime).toISOString(),
    });
    if (out.length >= q.limit) break;
  }
  return out;
}

const QUERY_DEADLINE_MS = 5_000;

/**
 * A job's `state` query, or null when no worker answers (all down, or busy past the deadline):
 * the API then answers from Temporal's own record instead of failing.
 */
export async function queryState<S>(client: Client, workflowId: string, query: QueryDefinition<S>): Promise<S | null> {
  try {
    return await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
      client.workflow.getHandle(workflowId).query(query),
    );
  } catch (err) {
    const e = err as Error & { code?: number };
    if (
      e.name === 'ServiceError' ||
      e.name === 'QueryRejectedError' ||
      e.name === 'QueryNotRegisteredError' ||
      e.code === 4
    )
      return null;
    throw err;
  }
}

export const NO_WORKER = 'progress unavailable: no worker answered the state query (is a worker running?)';

/** A task's answer when no worker answers its state query: what Temporal's own record says. */
export function noWorkerAnswer(desc: WorkflowExecutionDescription, id: string): Record<string, unknown> {
  return {
    id,
    task_id: id,
    status: jobStatus(desc, 'processing'),
    created_at: createdAt(desc),
    updated_at: (desc.closeTime ?? desc.startTime).toISOString(),
    detail: NO_WORKER,
  };
}

/** Cancels a running job; a closed one cannot be. */
export async function cancelJob(client: Client, desc: WorkflowExecutionDescription): Promise<void> {
  if (closedStatus(desc) !== null)
    throw new ConflictError(`task ${desc.workflowId} has already ended (${desc.status.name.toLowerCase()})`);
  await client.workflow.getHandle(desc.workflowId).cancel();
}
