import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { S3BlobStore } from '../../blobs/s3.js';
import { exportAndDownload, importAndWait, writeJsonl } from '../helpers/datasets.js';
import { waitUntil } from '../helpers/processes.js';
import { testS3 } from '../helpers/s3.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import { DELETES, UPSERTS, waitForTask } from '../helpers/tasks.js';
import { spawnWorker, stopWorkerProcess } from '../helpers/worker-process.js';

// VECFLOW_JOB_STORAGE=s3://…: the API (this process) and a worker process with data
// directories of their own — no shared disk — run upsert and deletion tasks, an import with
// failed rows (dead letters downloaded through the API) and an export (downloaded through the
// API); every file between them travels through S3 (SeaweedFS), and the cleanup removes it there.
const BUCKET = 'vf-job-storage';
const PREFIX = `run-${process.pid}-${Date.now()}`;

const files = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []))
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));

describe('job files on S3: API and worker without a shared disk', () => {
  let stack: TestStack;
  let worker: ReturnType<typeof spawnWorker>;
  let workerDir: string;
  let shared: S3BlobStore;
  beforeAll(async () => {
    const s3 = await testS3(BUCKET);
    shared = new S3BlobStore({ bucket: BUCKET, prefix: PREFIX, endpoint: s3.endpoint });
    stack = await startStack(
      { ...s3.env, VECFLOW_JOB_STORAGE: `s3://${BUCKET}/${PREFIX}` },
      { inProcessWorker: false },
    );
    workerDir = await mkdtemp(path.join(os.tmpdir(), 'vf-worker-own-'));
    worker = spawnWorker({ ...stack.workerEnv, VECFLOW_DATA_DIR: workerDir });
  });
  afterAll(async () => {
    if (worker) await stopWorkerProcess(worker.child);
    await stack?.stop();
    if (workerDir) await rm(workerDir, { recursive: true, force: true });
  });

  it('the two processes have data directories of their own', () => {
    assert.notEqual(path.resolve(stack.config.dataDir), path.resolve(workerDir));
  });

  it('upsert and deletion tasks: staged inputs and per-item results cross through S3', async () => {
    const items = [
      { object_id: 'js-a', payload: { title: 'first' } },
      { object_id: 'js-b', payload: { title: 'second' } },
      { object_id: 'js-bad', payload: { title: 'short vector' }, vector: [1, 2, 3] },
    ];
    const run = await stack.api(`/api/v1${UPSERTS}/run`, { body: { task_id: 'js-upsert', items } });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    const done = await waitForTask(stack, UPSERTS, 'js-upsert', undefined, 180_000);
    assert.equal(done.status, 'done', JSON.stringify(done));
    assert.deepEqual(
      done.failed_items.map((f: { object_id: string }) => f.object_id),
      ['js-bad'],
    );
    assert.match(done.failed_items[0].detail, /384 numbers, got 3/);
    // The worker read the staged batch from S3 into its own directory.
    assert.ok(
      (await files(workerDir)).some((f) => f.startsWith(`staging${path.sep}upsertion`)),
      (await files(workerDir)).join(', '),
    );

    const del = await stack.api(`/api/v1${DELETES}/run`, { body: { task_id: 'js-delete', object_ids: ['js-a'] } });
    assert.equal(del.status, 200, JSON.stringify(del.body));
    const deleted = await waitForTask(stack, DELETES, 'js-delete', undefined, 180_000);
    assert.equal(deleted.status, 'done', JSON.stringify(deleted));
    assert.deepEqual(deleted.object_ids, ['js-a']);
  });

  it('import with failed rows, dead letters and export, downloaded through the API', async () => {
    const source = path.join(stack.config.dataDir, 'source.jsonl');
    await writeJsonl(source, 60, 8, (i) => i % 20 === 7);
    const job = await importAndWait(stack, 'jobstore', source);
    assert.equal(job.status, 'completed_with_errors', JSON.stringify(job));
    assert.deepEqual([job.total_rows, job.successful_rows, job.failed_rows], [60, 57, 3]);
    const dead = await fetch(stack.apiUrl + job.dead_letter_url);
    assert.equal(dead.status, 200);
    const lines = (await dead.text()).trim().split('\n');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).line),
      [8, 28, 48],
    );

    const exp = await exportAndDownload(stack, 'jobstore', { format: 'jsonl' });
    assert.equal(exp.status, 200);
    assert.equal(exp.bytes.toString().trim().split('\n').length, 57);
    const keys = (await shared.list('jobs/')).map((b) => b.key);
    assert.ok(
      keys.some((k) => k.startsWith(`jobs/export/${exp.job.job_id}/`)),
      keys.join(', '),
    );
  });

  it('the cleanup removes the job files from S3 too', async () => {
    await waitUntil(
      async () => {
        const res = await stack.api('/api/v1/admin/cleanup-jobs', { body: { max_age_hours: 0 } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return (await shared.list('jobs/')).length === 0;
      },
      60_000,
      'the job files gone from S3',
    );
  });
});
