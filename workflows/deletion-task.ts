import { type TaskInput, type TaskState, runTask } from './task-loop.js';

/** Embedding Studio deletion task: staged object ids, deleted with all their chunks. */
export async function deletionTaskWorkflow(input: TaskInput): Promise<TaskState> {
  return runTask(input, 'deleteObjectsBatch');
}
