import { type InjectedSinks, type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type ActivityContext, createActivities } from '../activities/index.js';
import { jobsFinished } from '../core/metrics.js';
import type { JobSinks } from '../workflows/interceptors.js';
import { INTERCEPTORS_PATH, WORKFLOWS_PATH, cachedWorkflowBundle, prebuiltBundle } from './bundle.js';

export interface VecflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Concurrent activities: most are I/O-bound (store, embedder), so a few per core. */
  maxActivities?: number;
  /** A bundle built beforehand (tests: one per run); else the prebuilt, else the cached one, else bundled now. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createVecflowWorker(ctx: ActivityContext, options: VecflowWorkerOptions): Promise<Worker> {
  const workflowBundle = options.workflowBundle ?? prebuiltBundle() ?? (await cachedWorkflowBundle());
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    // A bundle carries the interceptors itself (worker/bundle.ts); bundled now, they are added.
    ...(workflowBundle
      ? { workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, interceptors: { workflowModules: [INTERCEPTORS_PATH] } }),
    sinks: {
      jobs: {
        finished: { fn: (_info, kind, outcome) => jobsFinished.inc({ kind, outcome }), callDuringReplay: false },
      },
    } satisfies InjectedSinks<JobSinks>,
    activities: createActivities(ctx),
    maxConcurrentActivityTaskExecutions: options.maxActivities ?? 8,
    maxConcurrentWorkflowTaskExecutions: 8,
    shutdownGraceTime: '20s',
  });
}
