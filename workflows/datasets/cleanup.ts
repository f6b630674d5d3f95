import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../../activities/index.js';
import type { CleanupResult } from '../../activities/datasets/cleanup.js';

const act = proxyActivities<activities.Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

/** Removes finished import/export jobs older than max_age_hours (from the API, or the retention schedule). */
export async function cleanupJobsWorkflow(input: { max_age_hours: number }): Promise<CleanupResult> {
  return act.cleanupJobs({ maxAgeHours: input.max_age_hours });
}
