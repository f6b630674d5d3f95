import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FAULT_ROUNDS } from '../helpers/faults.js';
import { type NpmStart, npmStart } from '../helpers/npm-start.js';
import { descendants, waitUntil } from '../helpers/processes.js';

// The stack as `npm start` runs it, where the worker process owns the embedded database
// (PGlite): the worker is SIGKILLed while an upsertion task writes (FAULT_ROUNDS times), the
// supervisor restarts it, the database reopens from its files, and the task finishes with every
// item stored exactly once — counted through an export of the collection.
const N = 12_000;

describe('the embedded store survives its owner killed mid-write', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vf-owner-kill-'));
  let stack: NpmStart;
  beforeAll(async () => {
    stack = await npmStart(dataDir);
    await stack.ready();
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = async (p: string, body?: unknown) => {
    const res = await fetch(stack.url + p, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the API
    return { status: res.status, body: (await res.json()) as any };
  };
  const worker = () =>
    descendants(stack.child.pid!).find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker/main');
      } catch {
        return false;
      }
    });

  it('every item once after the restarts', async () => {
    const items = Array.from({ length: N }, (_, i) => ({ object_id: `ok-${i}`, payload: { title: `item ${i}` } }));
    const started = await api('/api/v1/embeddings/upsertion-tasks/run', { task_id: 'owner-killed', items });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    for (let round = 1; round <= FAULT_ROUNDS; round++) {
      const at = (N * round) / (FAULT_ROUNDS + 1);
      await waitUntil(
        async () =>
          ((await api('/api/v1/embeddings/upsertion-tasks/owner-killed').catch(() => null))?.body.processed_count ??
            0) >= at,
        300_000,
        `the task past ${at} items`,
      );
      const victim = worker()!;
      process.kill(victim, 'SIGKILL');
      await waitUntil(() => worker() !== undefined && worker() !== victim, 60_000, 'the worker restarted');
      await stack.ready();
    }
    let task: { status: string; processed_count: number; total_count: number; failed_items: unknown[] } | undefined;
    await waitUntil(
      async () => {
        task = (await api('/api/v1/embeddings/upsertion-tasks/owner-killed').catch(() => null))?.body;
        return task?.status === 'done' || task?.status === 'failed';
      },
      600_000,
      'the task to finish',
    );
    assert.equal(task!.status, 'done', JSON.stringify(task).slice(0, 400));
    assert.deepEqual([task!.total_count, task!.processed_count, task!.failed_items.length], [N, N, 0]);

    const exp = await api('/api/v1/datasets/items/export', { format: 'jsonl' });
    assert.equal(exp.status, 200, JSON.stringify(exp.body));
    let job: { status: string; exported_vectors: number } | undefined;
    await waitUntil(
      async () => {
        job = (await api(`/api/v1/export/${exp.body.job_id}`)).body;
        return job?.status === 'completed' || job?.status === 'failed';
      },
      300_000,
      'the export',
    );
    assert.equal(job!.exported_vectors, N, JSON.stringify(job));
  });
});
