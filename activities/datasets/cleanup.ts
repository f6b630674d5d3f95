import { taskQueueCondition } from '../../core/temporal.js';
import { Context } from '@temporalio/activity';
import { ValidationError } from '../../core/errors.js';
import { JOB_KINDS, JobFiles, type JobKind } from '../../core/job-files.js';
import { KIND } from '../../core/search-attributes.js';
import type { ActivityContext } from '../context.js';

export interface CleanupResult {
  max_age_hours: number;
  removed_jobs: number;
  removed_directories: number;
}

const CLOSED = `ExecutionStatus IN ('Completed', 'Failed', 'Canceled', 'Terminated', 'TimedOut', 'ContinuedAsNew')`;

export function cleanupActivities(ctx: ActivityContext) {
  const files = new JobFiles(ctx.config);
  return {
    /**
     * Removes import/export jobs of this task queue that finished more than max_age_hours ago:
     * their Temporal records (every run) and their files. Job directories that belong to no job
     * (an upload whose workflow never started) go once they are as old. Safe to repeat.
     */
    async cleanupJobs(input: { maxAgeHours: number }): Promise<CleanupResult> {
      const client = ctx.temporal;
      if (!client) throw new ValidationError('this worker has no Temporal client for cleanup');
      const cutoff = new Date(Date.now() - input.maxAgeHours * 3_600_000);
      const query = `VecflowKind IN ('import', 'export') AND ${taskQueueCondition(ctx.config.env.VECFLOW_TASK_QUEUE)} AND ${CLOSED} AND CloseTime <= '${cutoff.toISOString()}'`;
      const removed = new Set<string>();
      let dirs = 0;
      for await (const wf of client.workflow.list({ query })) {
        // An earlier run of a job still running (continued as new) stays.
        if (wf.status.name === 'CONTINUED_AS_NEW') {
          const latest = await client.workflow
            .getHandle(wf.workflowId)
            .describe()
            .catch(() => null);
          if (latest?.status.name === 'RUNNING') continue;
        }
        await client.workflowService
          .deleteWorkflowExecution({
            namespace: client.options.namespace,
            workflowExecution: { workflowId: wf.workflowId, runId: wf.runId },
          })
          .catch((err: Error & { code?: number }) => (err.code === 5 ? undefined : Promise.reject(err))); // 5: already gone
        const kind = wf.typedSearchAttributes.get(KIND) as JobKind | undefined;
        if (
          kind &&
          JOB_KINDS.includes(kind) &&
          !removed.has(wf.workflowId) &&
          (await files.remove(kind, wf.workflowId))
        )
          dirs++;
        removed.add(wf.workflowId);
        Context.current().heartbeat(removed.size);
      }
      for (const kind of JOB_KINDS) {
        for (const dir of await files.list(kind)) {
          if (dir.modified > cutoff || removed.has(dir.id)) continue;
          const exists = await client.workflow
            .getHandle(dir.id)
            .describe()
            .then(
              () => true,
              (err: Error) => err.name !== 'WorkflowNotFoundError',
            );
          if (!exists && (await files.remove(kind, dir.id))) dirs++;
        }
      }
      return { max_age_hours: input.maxAgeHours, removed_jobs: removed.size, removed_directories: dirs };
    },
  };
}
