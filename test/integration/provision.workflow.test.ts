import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { startStack, type TestStack } from '../helpers/stack.js';
import { provisionCollectionWorkflow } from '../../workflows/index.js';

describe('provisionCollectionWorkflow on a real Temporal and store', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack.stop());

  it('creates the physical collection, switches blue and is visible by search attributes', async () => {
    const workflowId = `provision-sa-${Date.now()}`;
    const entry = await stack.client.workflow.execute(provisionCollectionWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId,
      args: [{ collection: 'fresh', embedding_model_id: 'hash-256', deploy_as_blue: true }],
    });
    assert.equal((entry as { blue: string }).blue, 'hash-256');
    assert.equal(await stack.store.getBlue('fresh'), 'hash-256');
    assert.equal(await stack.store.count({ collection: 'fresh', model: 'hash-256' }), 0);

    const query = `WorkflowId = '${workflowId}' AND VecflowKind = 'provision' AND VecflowCollection = 'fresh' AND VecflowStatus = 'done'`;
    let found: string[] = [];
    for (let i = 0; i < 50 && found.length === 0; i++) {
      found = [];
      for await (const wf of stack.client.workflow.list({ query })) found.push(wf.workflowId);
      if (found.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(found, [workflowId]);
  });

  it('fails at once, without retries, on a client mistake', async () => {
    const handle = await stack.client.workflow.start(provisionCollectionWorkflow, {
      taskQueue: stack.taskQueue,
      workflowId: `provision-bad-${Date.now()}`,
      args: [{ collection: 'fresh2', embedding_model_id: 'no-such-model' }],
    });
    await assert.rejects(handle.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      const cause = (err.cause as { cause?: { type?: string; message?: string } }).cause;
      assert.equal(cause?.type, 'NotFoundError');
      assert.match(cause?.message ?? '', /unknown embedding model "no-such-model"/);
      return true;
    });
    const history = await handle.fetchHistory();
    const attempts = history.events
      ?.filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt);
    assert.deepEqual(attempts, [1], 'one attempt only');
  });
});
