import type { WorkflowExecutionDescription } from '@temporalio/client';
import { NotFoundError } from '../core/errors.js';
import { KIND } from '../core/search-attributes.js';
import { anyJobStateQuery } from '../workflows/defs.js';
import { rootMessage } from '../workflows/failures.js';
import type { ApiDeps } from './deps.js';
import { NO_WORKER, cancelJob, createdAt, jobStatus, queryState } from './jobs.js';

// Any vecflow job by its id, whatever its kind (the CLI's status, cancel and follow, and
// GET /api/v1/jobs/{id}): Temporal's record, the workflow's own state, and — while an activity
// is being retried — which attempt it is on and why the last one failed.
export interface Retrying {
  activity: string;
  attempt: number;
  last_error: string | null;
  next_attempt_at: string | null;
}

async function describe(deps: Pick<ApiDeps, 'temporal' | 'config'>, id: string): Promise<WorkflowExecutionDescription> {
  try {
    const desc = await deps.temporal.workflow.getHandle(id).describe();
    // Another deployment's jobs (its own task queue in the namespace), and workflows that are
    // not jobs (no VecflowKind: schedules' runs are jobs, a reindex's shards are not), are not ours.
    if (desc.taskQueue === deps.config.env.VECFLOW_TASK_QUEUE && desc.typedSearchAttributes.get(KIND)) return desc;
  } catch (err) {
    if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
  }
  throw new NotFoundError(`no such job: ${JSON.stringify(id)}`);
}

/** The activities being retried right now (attempt 2 and up), with their last failure. */
function retrying(desc: WorkflowExecutionDescription): Retrying[] {
  return (desc.raw.pendingActivities ?? [])
    .filter((a) => (a.attempt ?? 1) > 1)
    .map((a) => ({
      activity: a.activityType?.name ?? 'activity',
      attempt: a.attempt ?? 1,
      last_error: a.lastFailure?.message ?? null,
      next_attempt_at: a.scheduledTime?.seconds ? new Date(Number(a.scheduledTime.seconds) * 1000).toISOString() : null,
    }));
}

export async function getAnyJob(
  deps: Pick<ApiDeps, 'temporal' | 'config'>,
  id: string,
): Promise<Record<string, unknown>> {
  const desc = await describe(deps, id);
  const state = await queryState(deps.temporal, id, anyJobStateQuery);
  const own = typeof state?.status === 'string' ? state.status : 'processing';
  const detail =
    desc.status.name === 'FAILED' || desc.status.name === 'TERMINATED' || desc.status.name === 'TIMED_OUT'
      ? await deps.temporal.workflow
          .getHandle(id)
          .result()
          .then(() => undefined, rootMessage)
      : undefined;
  return {
    ...(state ?? { detail: NO_WORKER }),
    id,
    kind: desc.typedSearchAttributes.get(KIND),
    status: jobStatus(desc, own),
    created_at: createdAt(desc),
    closed_at: desc.closeTime?.toISOString() ?? null,
    ...(detail ? { detail } : {}),
    retrying: retrying(desc),
  };
}

export async function cancelAnyJob(
  deps: Pick<ApiDeps, 'temporal' | 'config'>,
  id: string,
): Promise<Record<string, unknown>> {
  const desc = await describe(deps, id);
  await cancelJob(deps.temporal, desc);
  // Not the state query: with no worker up it would wait for its deadline, and the answer is
  // known — cancellation requested; the job ends canceled once a worker runs its next step.
  return {
    id,
    kind: desc.typedSearchAttributes.get(KIND),
    status: 'processing',
    cancel_requested: true,
    created_at: createdAt(desc),
    closed_at: null,
  };
}
