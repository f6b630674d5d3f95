import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type ActivityContext, createActivities } from '../activities/index.js';
import { WORKFLOWS_PATH, prebuiltBundle } from './bundle.js';

export interface VecflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Concurrent activities: most are I/O-bound (store, embedder), so a few per core. */
  maxActivities?: number;
  /** A bundle built beforehand (tests build one per run); else the prebuilt one, else bundled now. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export function createVecflowWorker(ctx: ActivityContext, options: VecflowWorkerOptions): Promise<Worker> {
  const workflowBundle = options.workflowBundle ?? prebuiltBundle();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(ctx),
    maxConcurrentActivityTaskExecutions: options.maxActivities ?? 8,
    maxConcurrentWorkflowTaskExecutions: 8,
    shutdownGraceTime: '20s',
  });
}
