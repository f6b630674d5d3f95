import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities/index.js';
import { type TaskInput, type TaskState, runTask } from './task-loop.js';

const { deleteObjectsBatch } = proxyActivities<activities.Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});

/** Embedding Studio deletion task: staged object ids, deleted with all their chunks. */
export async function deletionTaskWorkflow(input: TaskInput): Promise<TaskState> {
  return runTask(input, deleteObjectsBatch);
}
