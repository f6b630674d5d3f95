import type { RetryPolicy } from '@temporalio/common';

// The retry policy of the long jobs' activities (import, export, backup, restore): backoff from
// 1 s to 30 s, ten attempts. Client mistakes are non-retryable already (activities/context.ts
// classifies them); naming their types here keeps that true for failures raised elsewhere.
export const JOB_ACTIVITY_RETRY: RetryPolicy = {
  initialInterval: '1s',
  maximumInterval: '30s',
  maximumAttempts: 10,
  nonRetryableErrorTypes: ['ValidationError', 'ConflictError', 'NotFoundError'],
};
