import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { nowNs } from '../../core/time.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import { waitForTask } from '../helpers/tasks.js';
import { spawnWorker, stopWorkerProcess } from '../helpers/worker-process.js';

// A task's writes carry the time it was accepted, not the time an activity happened to run:
// a task that runs late (no worker yet, a retry after a crash) never overwrites a write that
// was accepted after it (issue #14).
describe('upsertion tasks write with their acceptance time', () => {
  let stack: TestStack;
  let worker: ReturnType<typeof spawnWorker> | null = null;
  beforeAll(async () => {
    stack = await startStack({}, { inProcessWorker: false });
  });
  afterAll(async () => {
    if (worker) await stopWorkerProcess(worker.child);
    await stack.stop();
  });

  it('a task accepted before a newer write, but run after it, leaves the newer write in place', async () => {
    const ref = { collection: 'items', model: (await stack.store.getBlue('items'))! };
    const dimension = (await stack.store.catalog('items'))[0].models.find((m) => m.model === ref.model)!.dimension;
    const vector = Array.from({ length: dimension }, (_, i) => (i % 7) / 7 + 0.01);
    // Accepted while no worker runs: nothing is written yet.
    const accepted = await stack.api('/api/v1/embeddings/upsertion-tasks/run', {
      body: {
        task_id: 'late-task',
        items: [
          { object_id: 'contested', payload: { v: 'from the late task' }, vector },
          { object_id: 'uncontested', payload: { v: 'from the late task' }, vector },
        ],
      },
    });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.deepEqual(await stack.store.get(ref, ['contested']), []);
    // A write accepted after the task lands first.
    await stack.store.upsert(ref, [
      { id: 'contested', vector: Float32Array.from(vector), payload: { v: 'newer' }, timestamp: nowNs() },
    ]);
    worker = spawnWorker(stack.workerEnv);
    const task = await waitForTask(stack, '/embeddings/upsertion-tasks', 'late-task');
    assert.equal(task.status, 'done', JSON.stringify(task));
    const [contested] = await stack.store.get(ref, ['contested']);
    assert.deepEqual(contested.payload, { v: 'newer' }, 'the newer write stays');
    const [uncontested] = await stack.store.get(ref, ['uncontested']);
    assert.deepEqual(uncontested.payload, { v: 'from the late task' });
    assert.ok(uncontested.timestamp < contested.timestamp, "the task's timestamp is its acceptance time");
  });
});
