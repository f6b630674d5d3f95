import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { acquireLockSignal, lockStateQuery } from '../../workflows/defs.js';
import { reindexLockWorkflowId } from '../../workflows/ids.js';
import { reindexLockWorkflow } from '../../workflows/index.js';
import { REINDEX, startReindex } from '../helpers/reindex.js';
import { seedTextItems } from '../helpers/seed.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { waitForTask } from '../helpers/tasks.js';

// Two deployments on one Temporal namespace (a task queue and a store each, as two `npm start`
// with different VECFLOW_TASK_QUEUE): a collection name they both have is two collections, so
// each has its own reindex lock.
describe('reindex locks of deployments sharing a Temporal namespace', () => {
  let one: TestStack;
  let two: TestStack;
  const collection = 'categories';
  beforeAll(async () => {
    [one, two] = await Promise.all([startStack(), startStack()]);
    assert.notEqual(one.taskQueue, two.taskQueue);
    for (const s of [one, two]) await seedTextItems(s.store, { collection, model: 'hash-384' }, 50, 'lk');
  });
  afterAll(async () => Promise.all([one?.stop(), two?.stop()]));

  it("a lock held on one deployment refuses that deployment's reindex, not the other's", async () => {
    // The holder: a workflow that never runs (no worker polls its queue), so it never lets go.
    const holder = await one.client.workflow.start(reindexLockWorkflow, {
      taskQueue: `nobody-${one.taskQueue}`,
      workflowId: `lock-holder-${one.taskQueue}`,
      args: [{ collection }],
    });
    const lock = one.client.workflow.getHandle(reindexLockWorkflowId(collection, one.taskQueue));
    await one.client.workflow.signalWithStart(reindexLockWorkflow, {
      workflowId: lock.workflowId,
      taskQueue: one.taskQueue,
      args: [{ collection }],
      signal: acquireLockSignal,
      signalArgs: [{ taskId: holder.workflowId, wait: false }],
    });
    for (let i = 0; (await lock.query(lockStateQuery)).holder !== holder.workflowId; i++) {
      assert.ok(i < 100, 'the lock was not taken');
      await new Promise((r) => setTimeout(r, 100));
    }
    const body = (id: string) => ({
      task_id: id,
      collection,
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256' },
    });
    const [refused, other] = await Promise.all([
      startReindex(one, body(`lk-one-${one.taskQueue}`)),
      startReindex(two, body(`lk-two-${two.taskQueue}`)),
    ]);
    const a = await waitForTask(one, REINDEX, refused.id as string);
    assert.equal(a.status, 'refused');
    assert.match(a.detail, new RegExp(`being reindexed by ${holder.workflowId}`));
    const b = await waitForTask(two, REINDEX, other.id as string);
    assert.deepEqual([b.status, b.count], ['done', 50], 'the other deployment reindexed its own collection');

    // The holder ends (here: terminated): the lock is free on its deployment too.
    await holder.terminate('test over');
    await lock.result();
    const again = await startReindex(one, body(`lk-again-${one.taskQueue}`));
    assert.equal((await waitForTask(one, REINDEX, again.id as string)).status, 'done');

    // A reindex that lets go is closing: the lock's watch of it ends by itself, not cancelled
    // (a cancelled watch still finishing for a closed lock was a warning in the worker's log).
    for (const stack of [one, two]) {
      const handle = stack.client.workflow.getHandle(reindexLockWorkflowId(collection, stack.taskQueue));
      await handle.result();
      const events = (await handle.fetchHistory()).events ?? [];
      const count = (has: (e: (typeof events)[number]) => unknown) => events.filter(has).length;
      assert.deepEqual(
        [
          count((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'awaitWorkflowClose'),
          count((e) => e.activityTaskCompletedEventAttributes),
          count((e) => e.activityTaskCancelRequestedEventAttributes),
        ],
        [1, 1, 0],
        `${stack.taskQueue}: one watch, completed, none cancelled`,
      );
    }
  });
});
