import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startImport, waitForDatasetJob, writeJsonl } from '../helpers/datasets.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import { spawnWorker } from '../helpers/worker-process.js';
import { freePort } from '../../devstack/ports.js';

// A worker process SIGKILLed in the middle of an import chunk: the next worker resumes from the
// chunk's heartbeated checkpoint; no row is lost and no failed row is reported twice.
describe('an import survives a killed worker', () => {
  let stack: TestStack;
  const workers: ReturnType<typeof spawnWorker>[] = [];
  let metricsPort = 0;
  beforeAll(async () => {
    // Worker processes serve their job metrics; the API sums them into /metrics/prometheus.
    metricsPort = await freePort();
    stack = await startStack(
      {
        VECFLOW_WORKER_METRICS_PORT: String(metricsPort),
        VECFLOW_WORKER_METRICS_URLS: `http://127.0.0.1:${metricsPort}`,
      },
      { inProcessWorker: false },
    );
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await stack.stop();
  });

  it('resumes mid-chunk without duplicating or losing rows', async () => {
    const n = 60_000;
    const bad = (i: number) => i % 1000 === 999;
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vf-ikill-')), 'rows.jsonl');
    await writeJsonl(file, n, 16, bad);
    workers.push(spawnWorker(stack.workerEnv));
    const started = await startImport(stack, 'killed', file, { batch_size: '500' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const id = started.body.job_id;
    const ref = () => ({ collection: 'killed', model: 'external-16' });
    // Kill in the middle of the second chunk (10,000 rows each at batch_size 500).
    for (let i = 0; i < 1200; i++) {
      const count = await stack.store.count(ref()).catch(() => 0);
      if (count >= 14_000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const w = workers.at(-1)!;
    w.child.kill('SIGKILL');
    await new Promise((r) => w.child.once('exit', r));
    const midway = await stack.store.count(ref());
    assert.ok(midway > 10_000 && midway < n, `killed mid-import (${midway} rows stored)`);
    workers.push(spawnWorker(stack.workerEnv));
    const job = await waitForDatasetJob(stack, 'import', id);
    const failed = Array.from({ length: n }, (_, i) => i).filter(bad).length;
    assert.deepEqual(
      [job.status, job.total_rows, job.processed_rows, job.successful_rows, job.failed_rows],
      ['completed_with_errors', n, n, n - failed, failed],
    );
    assert.equal(await stack.store.count(ref()), n - failed);
    const dead = (await (await fetch(`${stack.apiUrl}${job.dead_letter_url}`)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).line);
    assert.deepEqual(
      dead,
      Array.from({ length: n }, (_, i) => i)
        .filter(bad)
        .map((i) => i + 1),
      'each failed row once, in order',
    );

    const metrics = await (await fetch(`${stack.apiUrl}/api/v1/metrics/prometheus`)).text();
    assert.match(
      metrics,
      new RegExp(`vecflow_rows_total\\{kind="import",format="jsonl",result="successful"\\} ${n - failed}\\n`),
      'the worker process’s counters reach the API',
    );
    assert.match(metrics, /vecflow_jobs_total\{kind="import",format="jsonl",status="completed_with_errors"\} 1\n/);
  });
});
