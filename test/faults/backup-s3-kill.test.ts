import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { S3BlobStore } from '../../blobs/s3.js';
import { seedItems } from '../helpers/faults.js';
import { testS3, throttledProxy } from '../helpers/s3.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import { waitForJob } from '../helpers/tasks.js';
import { spawnWorker, stopWorkerProcess } from '../helpers/worker-process.js';

// A worker SIGKILLed in the middle of a multipart upload to S3 leaves its parts behind (S3 keeps
// and bills them, listings do not show them). The retry on the next worker abandons them before
// uploading again: the backup completes with one copy and no unfinished upload left.
const RATE = 1024 * 1024; // ~7 MB of Parquet takes ~7 s through the proxy: time to kill mid-way

describe('a backup to S3 whose worker is killed mid-upload', () => {
  let stack: TestStack;
  let s3: Awaited<ReturnType<typeof testS3>>;
  let proxy: Awaited<ReturnType<typeof throttledProxy>>;
  const workers: ReturnType<typeof spawnWorker>[] = [];
  beforeAll(async () => {
    s3 = await testS3('killed-upload');
    proxy = await throttledProxy(new URL(s3.endpoint), RATE);
    const root = mkdtempSync(path.join(os.tmpdir(), 'vf-s3-kill-'));
    stack = await startStack(
      { ...s3.env, S3_ENDPOINT: proxy.url, VECFLOW_BACKUP_ROOT: root },
      { inProcessWorker: false },
    );
    await seedItems(stack, 4500, 'k', 11);
  });
  afterAll(async () => {
    for (const w of workers) await stopWorkerProcess(w.child);
    await stack.stop();
    proxy.close();
    await s3.stop();
  });

  it('abandons the killed attempt’s parts on retry and completes with one copy', async () => {
    const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1' });
    const unfinished = async () =>
      (await client.send(new ListMultipartUploadsCommand({ Bucket: 'killed-upload', Prefix: 'b/' }))).Uploads ?? [];
    workers.push(spawnWorker(stack.workerEnv));
    const res = await stack.api('/api/v1/backups', {
      body: { backup_id: 'killed-upload', s3: { bucket: 'killed-upload', prefix: 'b' }, collections: ['items'] },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // Wait until a part has arrived (the multipart upload exists), then kill the worker.
    for (let i = 0; i < 600 && (await unfinished()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await unfinished()).length, 1, 'a multipart upload in flight');
    const first = workers[0];
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    assert.equal((await unfinished()).length, 1, 'the killed attempt left its upload behind');

    workers.push(spawnWorker(stack.workerEnv));
    const job = await waitForJob(stack, 'backups', 'killed-upload', 300_000);
    assert.equal(job.status, 'done', JSON.stringify(job).slice(0, 400));
    assert.deepEqual(await unfinished(), [], 'no unfinished upload left');
    const parquet = (
      await new S3BlobStore({ bucket: 'killed-upload', prefix: 'b', endpoint: s3.endpoint }).list('')
    ).filter((b) => b.key.endsWith('.parquet'));
    assert.equal(parquet.length, 1);
  });
});
