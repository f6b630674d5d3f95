import { type TaskInput, type TaskState, runTask } from './task-loop.js';

/** Embedding Studio upsertion task: staged items, embedded and written batch by batch. */
export async function upsertionTaskWorkflow(input: TaskInput): Promise<TaskState> {
  return runTask(input, 'upsertItemsBatch');
}
