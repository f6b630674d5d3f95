import type { WorkflowExecutionDescription } from '@temporalio/client';
import { assert, describe, it } from 'vitest';
import { jobStatus } from '../../api/jobs.js';

const execution = (name: string) => ({ status: { name } }) as unknown as WorkflowExecutionDescription;

describe('jobStatus', () => {
  it('is processing while Temporal runs an execution whose state already says failed (its reason is not recorded yet)', () => {
    assert.equal(jobStatus(execution('RUNNING'), 'failed'), 'processing');
    assert.equal(jobStatus(execution('FAILED'), 'failed'), 'failed');
  });

  it('keeps the state of a running execution, and a completed one’s own refusal or failure', () => {
    assert.equal(jobStatus(execution('RUNNING'), 'running'), 'processing');
    assert.equal(jobStatus(execution('RUNNING'), 'pending'), 'pending');
    assert.equal(jobStatus(execution('COMPLETED'), 'refused'), 'refused');
    assert.equal(jobStatus(execution('COMPLETED'), 'failed'), 'failed');
    assert.equal(jobStatus(execution('COMPLETED'), 'done'), 'done');
    assert.equal(jobStatus(execution('CANCELLED'), 'processing'), 'canceled');
    assert.equal(jobStatus(execution('TERMINATED'), 'processing'), 'failed');
  });
});
