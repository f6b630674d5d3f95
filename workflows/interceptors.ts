import {
  ContinueAsNew,
  type Sinks,
  type WorkflowInterceptorsFactory,
  isCancellation,
  proxySinks,
  workflowInfo,
} from '@temporalio/workflow';
import { KIND, STATUS } from '../core/search-attributes.js';

// Counts every finished job, whatever its kind, for the worker's Prometheus metrics: an inbound
// interceptor sees each job workflow end (done, failed, canceled; a continue-as-new is not an
// end) and tells the worker through a sink, which is not called on replay — so a job is
// counted once, by the worker that ran its last step. Workflows without a VecflowKind (a
// reindex's shards, the reindex lock) are not jobs and are not counted.
export type JobOutcome = 'done' | 'failed' | 'canceled' | 'refused';

export interface JobSinks extends Sinks {
  jobs: { finished(kind: string, outcome: JobOutcome): void };
}

const { jobs } = proxySinks<JobSinks>();

function report(outcome: JobOutcome): void {
  // Sinks are not called on replay anyway; a replay without the worker's sinks (the replay
  // test) would log the call as one to an unregistered sink.
  if (workflowInfo().unsafe.isReplaying) return;
  const attributes = workflowInfo().typedSearchAttributes;
  const kind = attributes.get(KIND);
  if (!kind) return;
  // A workflow that completes by refusing (a reindex lock conflict) or failing says so itself.
  const own = attributes.get(STATUS);
  jobs.finished(kind, outcome === 'done' && (own === 'refused' || own === 'failed') ? own : outcome);
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        try {
          const result = await next(input);
          report('done');
          return result;
        } catch (err) {
          if (!(err instanceof ContinueAsNew)) report(isCancellation(err) ? 'canceled' : 'failed');
          throw err;
        }
      },
    },
  ],
});
