import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type ActivityContext, createActivities } from '../activities/index.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface VecflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Concurrent activities: most are I/O-bound (store, embedder), so a few per core. */
  maxActivities?: number;
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export function createVecflowWorker(ctx: ActivityContext, options: VecflowWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(ctx),
    maxConcurrentActivityTaskExecutions: options.maxActivities ?? 8,
    maxConcurrentWorkflowTaskExecutions: 8,
    shutdownGraceTime: '20s',
  });
}
