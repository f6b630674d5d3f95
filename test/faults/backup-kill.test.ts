import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fingerprint } from '../helpers/fingerprint.js';
import { seedTextItems } from '../helpers/seed.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { spawnWorker } from '../helpers/worker-process.js';
import type { Json } from '../helpers/json.js';

// A worker process killed (SIGKILL) in the middle of a backup and of a restore: a new worker
// finishes each, finished parts are not rewritten, and the result matches the manifest.
describe('backup and restore survive a killed worker', () => {
  let stack: TestStack;
  const workers: ReturnType<typeof spawnWorker>[] = [];
  const root = mkdtempSync(path.join(os.tmpdir(), 'vf-bkill-'));
  beforeAll(async () => {
    stack = await startStack({ VECFLOW_BACKUP_ROOT: root }, { inProcessWorker: false });
    await seedTextItems(stack.store, { collection: 'items', model: 'hash-384' }, 24_000);
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await stack.stop();
  });

  const state = async (route: string, id: string) => (await stack.api(`/api/v1/${route}/${id}`)).body;
  const kill = async () => {
    const w = workers.at(-1)!;
    w.child.kill('SIGKILL');
    await new Promise((r) => w.child.once('exit', r));
    workers.push(spawnWorker(stack.workerEnv));
  };
  const until = async (route: string, id: string, done: (s: Json) => boolean) => {
    for (let i = 0; i < 1200; i++) {
      const s = await state(route, id);
      if (done(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${id} never got there`);
  };

  it('backup: resumes without rewriting finished parts; the manifest matches the files', async () => {
    const original = await fingerprint(stack.store);
    workers.push(spawnWorker(stack.workerEnv));
    await stack.api('/api/v1/backups', { body: { backup_id: 'bk', output_dir: 'bk', batch_size: 2000 } });
    const dir = path.join(root, 'bk');
    const parquetFiles = () => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.parquet')) : []);
    await until('backups', 'bk', () => parquetFiles().length >= 3);
    const finished = Object.fromEntries(parquetFiles().map((n) => [n, statSync(path.join(dir, n)).mtimeMs]));
    await kill();
    const done = await until('backups', 'bk', (s) => s.status !== 'processing' && !s.detail?.includes('no worker'));
    assert.equal(done.status, 'done', JSON.stringify(done).slice(0, 300));
    for (const [name, mtime] of Object.entries(finished))
      assert.equal(statSync(path.join(dir, name)).mtimeMs, mtime, `${name} was not rewritten`);
    assert.equal(readdirSync(dir).filter((n) => n.startsWith('items__hash-384_part')).length, 12);
    const verify = await stack.api('/api/v1/backups/verify', { body: { input_dir: 'bk' } });
    assert.equal(verify.body.report.ok, true, JSON.stringify(verify.body.report).slice(0, 300));

    // restore: killed mid-way, resumed from its heartbeated row offset, verified by digest.
    await stack.store.delete({ collection: 'items', model: 'hash-384' }, ['item-3', 'item-4']);
    await stack.api('/api/v1/restores', { body: { restore_id: 'rs', input_dir: 'bk', clear_existing: true } });
    await until('restores', 'rs', (s) => s.rows_done >= 4000);
    await kill();
    const restored = await until(
      'restores',
      'rs',
      (s) => s.status !== 'processing' && !s.detail?.includes('no worker'),
    );
    assert.equal(restored.status, 'done', JSON.stringify(restored).slice(0, 300));
    assert.deepEqual(restored.mismatches, []);
    assert.deepEqual(await fingerprint(stack.store), original);
  });
});
