import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { allIds, REINDEX, startReindex } from '../helpers/reindex.js';
import { seedTextItems } from '../helpers/seed.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { waitForTask } from '../helpers/tasks.js';
import { spawnWorker } from '../helpers/worker-process.js';
import type { Json } from '../helpers/json.js';

// The worker process is killed (SIGKILL) in the middle of a reindex and another one started:
// the shards resume from their heartbeated cursors and the result is exact.
const src = { collection: 'items', model: 'hash-384' };
const dst = { collection: 'items', model: 'hash-256' };

describe('reindex survives a killed worker', () => {
  let stack: TestStack;
  const workers: ReturnType<typeof spawnWorker>[] = [];
  beforeAll(async () => {
    stack = await startStack({}, { inProcessWorker: false });
    await seedTextItems(stack.store, src, 6000);
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await stack.stop();
  });

  it('ends with exact counts and no duplicates', async () => {
    workers.push(spawnWorker(stack.workerEnv));
    await startReindex(stack, {
      task_id: 'killed-midway',
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256' },
      shards: 4,
      max_parallel: 2,
      page_size: 25,
    });
    let seen: Json;
    for (;;) {
      seen = (await stack.api(`/api/v1${REINDEX}/killed-midway`)).body;
      if (seen.count >= 600) break;
      assert.notEqual(seen.status, 'done', 'the reindex finished before it could be interrupted');
      await new Promise((r) => setTimeout(r, 50));
    }
    workers[0].child.kill('SIGKILL');
    await new Promise((r) => workers[0].child.once('exit', r));
    assert.ok(seen.count < seen.total, `interrupted at ${seen.count}/${seen.total}`);
    const noWorker = (await stack.api(`/api/v1${REINDEX}/killed-midway`)).body;
    assert.equal(noWorker.status, 'processing', 'with no worker the API still answers from Temporal');

    workers.push(spawnWorker(stack.workerEnv));
    const done = await waitForTask(stack, REINDEX, 'killed-midway', ['done', 'failed', 'canceled'], 240_000);
    assert.equal(done.status, 'done', JSON.stringify(done).slice(0, 400));
    assert.deepEqual([done.total, done.count, done.failed_count], [6000, 6000, 0], 'every item counted exactly once');
    assert.equal(await stack.store.count(dst), 6000, 'no duplicates, nothing missing');
    assert.deepEqual(await allIds(stack, dst), await allIds(stack, src));

    // The proof that work was resumed rather than luckily finished: a shard's copy activity was retried.
    let retried = 0;
    for (const child of done.children) {
      const history = await stack.client.workflow.getHandle(child).fetchHistory();
      retried += history.events?.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length ?? 0;
    }
    assert.ok(retried > 0, 'some shard activity resumed on the new worker');
  });
});
