import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FAULT_ROUNDS, killAndReplace, waitForRows } from '../helpers/faults.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import { UPSERTS, waitForTask } from '../helpers/tasks.js';
import { spawnWorker, stopWorkerProcess } from '../helpers/worker-process.js';

// An upsertion task whose worker is SIGKILLed mid-way (FAULT_ROUNDS times: once in CI, three
// times in `npm run test:faults`): the next worker finishes it from its staged batches, and the
// collection holds each item exactly once with the task's own counts.
const N = 12_000;

describe('an upsertion task survives killed workers', () => {
  let stack: TestStack;
  const workers: ReturnType<typeof spawnWorker>[] = [];
  beforeAll(async () => {
    stack = await startStack({}, { inProcessWorker: false });
  });
  afterAll(async () => {
    for (const w of workers) await stopWorkerProcess(w.child);
    await stack.stop();
  });

  it('every item once, counts exact', async () => {
    const ref = { collection: 'items', model: (await stack.store.getBlue('items'))! };
    const items = Array.from({ length: N }, (_, i) => ({ object_id: `t-${i}`, payload: { title: `item ${i}` } }));
    workers.push(spawnWorker(stack.workerEnv));
    const started = await stack.api(`/api/v1${UPSERTS}/run`, { body: { task_id: 'killed-task', items } });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    for (let round = 1; round <= FAULT_ROUNDS; round++) {
      const at = (N * round) / (FAULT_ROUNDS + 1);
      const stored = await waitForRows(stack, at);
      assert.ok(stored < N, `killed mid-task (round ${round}: ${stored} of ${N} stored)`);
      await killAndReplace(workers, stack.workerEnv);
    }
    const task = await waitForTask(stack, UPSERTS, 'killed-task', undefined, 600_000);
    assert.equal(task.status, 'done', JSON.stringify(task).slice(0, 400));
    assert.deepEqual([task.total_count, task.processed_count, task.failed_items.length], [N, N, 0]);
    assert.equal(await stack.store.count(ref), N);
    const sample = await stack.store.get(ref, ['t-0', `t-${N - 1}`, 't-4321']);
    assert.deepEqual(sample.map((p) => p.id).sort(), ['t-0', 't-4321', `t-${N - 1}`].sort());
  });
});
