import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { acquireLockSignal } from '../../workflows/defs.js';
import { reindexLockWorkflowId } from '../../workflows/ids.js';
import { reindexLockWorkflow } from '../../workflows/reindex/lock.js';
import type { ActivityContext } from '../context.js';

// The per-collection reindex lock is a workflow (`reindexLockWorkflow`); these activities are
// what workflow code cannot do itself: signal-with-start it, and wait for a holder to close.

function client(ctx: ActivityContext) {
  if (!ctx.temporal) throw ApplicationFailure.nonRetryable('this worker has no Temporal client for reindex locks');
  return ctx.temporal;
}

export function lockActivities(ctx: ActivityContext) {
  return {
    /** Asks for the lock; the answer comes back as a lockGranted / lockRefused signal. */
    async requestReindexLock(input: {
      collection: string;
      taskId: string;
      wait: boolean;
      /** Absent when scheduled by a reindex started before locks were per task queue. */
      lockId?: string;
    }): Promise<void> {
      await client(ctx).workflow.signalWithStart(reindexLockWorkflow, {
        workflowId: input.lockId ?? reindexLockWorkflowId(input.collection),
        taskQueue: Context.current().info.taskQueue,
        args: [{ collection: input.collection }],
        signal: acquireLockSignal,
        signalArgs: [{ taskId: input.taskId, wait: input.wait }],
      });
    },

    /**
     * Resolves when the workflow `workflowId` has closed in any way — completed, failed,
     * canceled, terminated or timed out — by long-polling its result; heartbeats meanwhile.
     */
    async awaitWorkflowClose(input: { workflowId: string }): Promise<void> {
      const activity = Context.current();
      const temporal = client(ctx);
      const timer = setInterval(() => activity.heartbeat(), 5_000);
      try {
        // The long poll is aborted with the activity, so nothing outlives a cancel or shutdown.
        await temporal.connection.withAbortSignal(activity.cancellationSignal, () =>
          temporal.workflow
            .getHandle(input.workflowId)
            .result()
            .catch((err) => {
              if (activity.cancellationSignal.aborted) throw err;
            }),
        );
      } finally {
        clearInterval(timer);
      }
    },
  };
}
