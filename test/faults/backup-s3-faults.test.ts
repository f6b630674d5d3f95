import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { S3BlobStore } from '../../blobs/s3.js';
import { randomVector, rng } from '../helpers/data.js';
import { seedItems } from '../helpers/faults.js';
import { testS3, throttledProxy } from '../helpers/s3.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import { waitForJob } from '../helpers/tasks.js';

// S3 faults (issue #14). An S3 upload slower than the activity's heartbeat timeout (30 s) completes: the activity
// heartbeats while the file is in flight (issue #14). The S3 gateway is reached through a proxy
// that lets 200 KB/s through, so the one ~7 MB file takes over 30 s.
const RATE = 200 * 1024;

describe('S3 faults during backups', () => {
  let stack: TestStack;
  let s3: Awaited<ReturnType<typeof testS3>>;
  let proxy: Awaited<ReturnType<typeof throttledProxy>>;
  beforeAll(async () => {
    s3 = await testS3('slow');
    proxy = await throttledProxy(new URL(s3.endpoint), RATE);
    const root = mkdtempSync(path.join(os.tmpdir(), 'vf-slow-s3-'));
    stack = await startStack({ ...s3.env, S3_ENDPOINT: proxy.url, VECFLOW_BACKUP_ROOT: root });
    // ~7 MB of Parquet: random float32s do not compress.
    await seedItems(stack, 4500, 'slow', 3);
  });
  afterAll(async () => {
    await stack.stop();
    proxy.close();
    await s3.stop();
  });

  it('an S3-only backup that fails (no such bucket) fails at once and removes its local scratch copy', async () => {
    await stack.store.upsert({ collection: 'categories', model: (await stack.store.getBlue('categories'))! }, [
      { id: 'c1', vector: randomVector(384, rng(5)), payload: {}, timestamp: 1n },
    ]);
    const res = await stack.api('/api/v1/backups', {
      body: { backup_id: 'no-bucket', s3: { bucket: 'no-such-bucket', prefix: 'b' }, collections: ['categories'] },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const job = await waitForJob(stack, 'backups', 'no-bucket', 120_000, (j) => j.status === 'processing' || !j.detail);
    assert.equal(job.status, 'failed');
    assert.match(
      String(job.detail ?? JSON.stringify(job)),
      /S3 bucket "no-such-bucket" does not exist or these credentials may not write to it/,
    );
    const scratch = path.join(stack.config.dataDir, 'scratch', 'backup');
    assert.deepEqual(existsSync(scratch) ? readdirSync(scratch) : [], [], 'no scratch copy left');
  });

  it('uploads a file that takes longer than the heartbeat timeout, once, and the backup completes', async () => {
    const res = await stack.api('/api/v1/backups', {
      body: { backup_id: 'slow-s3', s3: { bucket: 'slow', prefix: 'b' }, collections: ['items'] },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const job = await waitForJob(stack, 'backups', 'slow-s3', 240_000);
    assert.equal(job.status, 'done', JSON.stringify(job).slice(0, 400));
    const bucket = new S3BlobStore({ bucket: 'slow', prefix: 'b', endpoint: s3.endpoint });
    const blobs = await bucket.list('');
    const parquet = blobs.filter((b) => b.key.endsWith('.parquet'));
    assert.equal(parquet.length, 1);
    // The throttle makes the upload take size / RATE seconds at least: more than the 30 s timeout.
    assert.ok(parquet[0].size / RATE > 30, `a file big enough to be slow: ${parquet[0].size} bytes`);
  });
});
