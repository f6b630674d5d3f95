import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { S3BlobStore } from '../../blobs/s3.js';
import { FAULT_ROUNDS } from '../helpers/faults.js';
import { fingerprint } from '../helpers/fingerprint.js';
import { outageProxy, testS3 } from '../helpers/s3.js';
import { seedTextItems } from '../helpers/seed.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import { waitForJob } from '../helpers/tasks.js';

// The S3 gateway stops for 10 s in the middle of a backup (FAULT_ROUNDS times): uploads fail,
// are retried, and the backup completes with every file once; a restore from it gives back
// exactly what was backed up.
describe('a backup to S3 across a 10 s S3 outage', () => {
  let stack: TestStack;
  let s3: Awaited<ReturnType<typeof testS3>>;
  let proxy: Awaited<ReturnType<typeof outageProxy>>;
  beforeAll(async () => {
    s3 = await testS3('outage');
    proxy = await outageProxy(new URL(s3.endpoint));
    const root = mkdtempSync(path.join(os.tmpdir(), 'vf-s3-outage-'));
    stack = await startStack({ ...s3.env, S3_ENDPOINT: proxy.url, VECFLOW_BACKUP_ROOT: root });
    await seedTextItems(stack.store, { collection: 'items', model: 'hash-384' }, 20_000);
  });
  afterAll(async () => {
    await stack.stop();
    proxy.close();
    await s3.stop();
  });

  it('completes with every file once and restores exactly', async () => {
    const original = await fingerprint(stack.store);
    const s3Location = { bucket: 'outage', prefix: 'run' };
    const res = await stack.api('/api/v1/backups', {
      body: { backup_id: 'outage', s3: s3Location, collections: ['items'], batch_size: 2000 },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (let round = 1; round <= FAULT_ROUNDS; round++) {
      // The moment an upload is under way (its first bytes), the gateway stops: that upload is
      // cut and the next attempts are refused for 10 s. Later rounds hit the retries.
      const before = proxy.sent();
      for (let i = 0; i < 6000 && proxy.sent() === before; i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(proxy.sent() > before, `an upload under way (round ${round})`);
      await proxy.down(10_000);
      const job = (await stack.api('/api/v1/backups/outage')).body;
      assert.equal(job.status, 'processing', `the outage hit the backup mid-way (round ${round})`);
    }
    const done = await waitForJob(stack, 'backups', 'outage', 600_000);
    assert.equal(done.status, 'done', JSON.stringify(done).slice(0, 400));

    const blobs = await new S3BlobStore({ ...s3Location, endpoint: s3.endpoint }).list('');
    const parquet = blobs.filter((b) => b.key.endsWith('.parquet'));
    assert.equal(parquet.length, 10, blobs.map((b) => b.key).join(', '));
    assert.equal(new Set(parquet.map((b) => b.key)).size, parquet.length);

    await stack.store.delete({ collection: 'items', model: 'hash-384' }, ['item-1', 'item-2']);
    const r = await stack.api('/api/v1/restores', {
      body: { restore_id: 'outage-restore', s3: s3Location, clear_existing: true },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const restored = await waitForJob(stack, 'restores', 'outage-restore', 600_000);
    assert.equal(restored.status, 'done', JSON.stringify(restored).slice(0, 400));
    assert.deepEqual(await fingerprint(stack.store), original);
  });
});
