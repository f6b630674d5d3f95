import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleOptionsStartWorkflowAction,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import type { AppConfig } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { cleanupScheduleId, scheduledCleanupWorkflowId } from '../workflows/ids.js';
import { cleanupJobsWorkflow } from '../workflows/index.js';

/**
 * Makes sure the hourly cleanup of finished import/export jobs exists with the configured
 * retention (VECFLOW_JOB_RETENTION_HOURS; 0 removes the schedule). Run at every worker start.
 */
export async function ensureCleanupSchedule(client: Client, config: AppConfig, log: Logger): Promise<void> {
  const id = cleanupScheduleId(config.env.VECFLOW_TASK_QUEUE);
  const hours = config.env.VECFLOW_JOB_RETENTION_HOURS;
  const handle = client.schedule.getHandle(id);
  if (hours === 0) {
    await handle.delete().catch(() => undefined);
    return;
  }
  const action: ScheduleOptionsStartWorkflowAction<typeof cleanupJobsWorkflow> = {
    type: 'startWorkflow',
    workflowType: cleanupJobsWorkflow,
    taskQueue: config.env.VECFLOW_TASK_QUEUE,
    args: [{ max_age_hours: hours }],
    workflowId: scheduledCleanupWorkflowId(config.env.VECFLOW_TASK_QUEUE),
  };
  const spec = { intervals: [{ every: '1h' as const }] };
  try {
    await client.schedule.create({
      scheduleId: id,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      memo: { vecflow: 'job-retention' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((prev) => ({ ...prev, spec, action }));
  }
  log.info({ schedule: id, max_age_hours: hours }, 'job retention schedule ready');
}
