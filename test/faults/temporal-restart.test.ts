import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { freePort } from '../../devstack/ports.js';
import { type TemporalDev, startTemporalDev } from '../../devstack/temporal-dev.js';
import { FAULT_ROUNDS, waitForRows } from '../helpers/faults.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import { UPSERTS, waitForTask } from '../helpers/tasks.js';
import { spawnWorker, stopWorkerProcess } from '../helpers/worker-process.js';

// The Temporal dev server (SQLite file database) SIGKILLed in the middle of an upsertion task
// and started again on the same file and port, FAULT_ROUNDS times: the worker and the API
// reconnect on their own and the task finishes with every item stored once.
const N = 12_000;

describe('a task survives Temporal being killed and restarted', () => {
  let stack: TestStack;
  let temporal: TemporalDev;
  let port: number;
  const dbFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'vf-temporal-kill-')), 'temporal.db');
  const workers: ReturnType<typeof spawnWorker>[] = [];
  beforeAll(async () => {
    port = await freePort();
    temporal = await startTemporalDev({ dbFile, port, log: () => undefined });
    stack = await startStack({}, { inProcessWorker: false, temporalAddress: temporal.address });
  });
  afterAll(async () => {
    for (const w of workers) await stopWorkerProcess(w.child);
    await stack?.stop();
    await temporal?.stop();
  });

  it('every item once, after the restarts', async () => {
    const ref = { collection: 'items', model: (await stack.store.getBlue('items'))! };
    workers.push(spawnWorker(stack.workerEnv));
    const items = Array.from({ length: N }, (_, i) => ({ object_id: `tr-${i}`, payload: { title: `item ${i}` } }));
    const started = await stack.api(`/api/v1${UPSERTS}/run`, { body: { task_id: 'temporal-killed', items } });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    for (let round = 1; round <= FAULT_ROUNDS; round++) {
      const at = (N * round) / (FAULT_ROUNDS + 1);
      assert.ok((await waitForRows(stack, at)) < N, `Temporal killed mid-task (round ${round})`);
      process.kill(temporal.pid!, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 2000));
      temporal = await startTemporalDev({ dbFile, port, log: () => undefined });
    }
    const task = await waitForTask(stack, UPSERTS, 'temporal-killed', undefined, 600_000);
    assert.equal(task.status, 'done', JSON.stringify(task).slice(0, 400));
    assert.deepEqual([task.total_count, task.processed_count, task.failed_items.length], [N, N, 0]);
    assert.equal(await stack.store.count(ref), N);
  });
});
