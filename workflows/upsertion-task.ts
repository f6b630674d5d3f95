import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities/index.js';
import { type TaskInput, type TaskState, runTask } from './task-loop.js';

const { upsertItemsBatch } = proxyActivities<activities.Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});

/** Embedding Studio upsertion task: staged items, embedded and written batch by batch. */
export async function upsertionTaskWorkflow(input: TaskInput): Promise<TaskState> {
  return runTask(input, upsertItemsBatch);
}
