import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it, onTestFinished } from 'vitest';
import { writeParquet } from '../../datafiles/parquet.js';
import { fingerprint } from '../helpers/fingerprint.js';
import { seedTextItems } from '../helpers/seed.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { waitForJob } from '../helpers/tasks.js';

// A backup cannot be turned against the system (issue #14): a manifest or a Parquet file is
// input like any request. Edited names never reach a path or a collection, a missing checksum
// is refused unless asked for, and nothing is written before the refusal.
/** The manifest as JSON, to be edited freely. */
type Manifestish = { files: Record<string, unknown>[]; collections: Record<string, unknown>[] };

describe('backups as untrusted input', () => {
  let stack: TestStack;
  const root = mkdtempSync(path.join(os.tmpdir(), 'vf-backup-manifest-'));
  const job = async (route: string, body: unknown) => {
    const res = await stack.api(`/api/v1/${route}`, { body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return waitForJob(stack, route, res.body.id);
  };
  /** A copy of the good backup with its manifest changed by `edit`. */
  const tampered = (name: string, edit: (m: Manifestish) => void) => {
    cpSync(path.join(root, 'good'), path.join(root, name), { recursive: true });
    const file = path.join(root, name, 'export_manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8'));
    edit(m);
    writeFileSync(file, JSON.stringify(m));
  };

  beforeAll(async () => {
    stack = await startStack({ VECFLOW_BACKUP_ROOT: root, VECFLOW_S3_BUCKETS: 'team-backups' });
    await seedTextItems(stack.store, { collection: 'categories', model: 'hash-384' }, 40, 'cat');
    const b = await job('backups', { backup_id: 'good', output_dir: 'good', collections: ['categories'] });
    assert.equal(b.status, 'done', JSON.stringify(b));
  });
  afterAll(async () => {
    await stack.stop();
  });

  const attacks: [string, (m: Manifestish) => void, RegExp][] = [
    ['file-traversal', (m) => (m.files[0].name = '../../../outside.parquet'), /files\[0\]\.name: not a plain Parquet/],
    ['file-hidden', (m) => (m.files[0].name = '.hidden.parquet'), /files\[0\]\.name/],
    [
      'collection-traversal',
      (m) => (m.collections[0].name = '../../x'),
      /collections\[0\]\.name: not a valid collection/,
    ],
    ['model-slash', (m) => (m.files[0].model = 'a/b'), /files\[0\]\.model: not a valid model/],
    ['sha-empty', (m) => (m.files[0].sha256 = ''), /files\[0\]\.sha256: not a sha256.*allow_unverified/],
    ['sha-missing', (m) => delete m.files[0].sha256, /files\[0\]\.sha256: missing/],
  ];
  for (const [name, edit, error] of attacks)
    it(`refuses a manifest edited so: ${name} — restore and verify, nothing written`, async () => {
      tampered(name, edit);
      const before = await fingerprint(stack.store);
      const r = await job('restores', { input_dir: name, clear_existing: true });
      assert.equal(r.status, 'failed');
      assert.match(r.detail, error);
      assert.deepEqual(await fingerprint(stack.store), before, 'nothing was written');
      const v = await stack.api('/api/v1/backups/verify', { body: { input_dir: name } });
      assert.equal(v.body.report.ok, false);
      assert.match(v.body.report.problems.join('\n'), error);
      assert.ok(!existsSync(path.join(root, 'outside.parquet')));
    });

  it('restores a file without its checksum only when allow_unverified says so', async () => {
    tampered('unverified', (m) => (m.files[0].sha256 = ''));
    const r = await job('restores', { input_dir: 'unverified', clear_existing: true, allow_unverified: true });
    assert.equal(r.status, 'done', JSON.stringify(r));
    assert.equal(r.rows_done, 40);
  });

  it('refuses to write into a directory holding another backup unless overwrite, which replaces it whole', async () => {
    const manifest = () => readFileSync(path.join(root, 'good', 'export_manifest.json'), 'utf8');
    const before = manifest();
    const again = await job('backups', { backup_id: 'again', output_dir: 'good', collections: ['categories'] });
    assert.equal(again.status, 'failed');
    assert.match(again.detail, /good already holds a backup: choose another directory, or overwrite/);
    assert.equal(manifest(), before, 'the backup there is untouched');
    writeFileSync(path.join(root, 'good', 'stale__hash-384.parquet'), 'left by the old backup');
    const over = await job('backups', {
      backup_id: 'over',
      output_dir: 'good',
      collections: ['categories'],
      overwrite: true,
    });
    assert.equal(over.status, 'done', JSON.stringify(over));
    assert.deepEqual(readdirSync(path.join(root, 'good')).sort(), [
      'categories__hash-384.parquet',
      'export_manifest.json',
    ]);
    const v = await stack.api('/api/v1/backups/verify', { body: { input_dir: 'good' } });
    assert.deepEqual([v.body.report.ok, v.body.report.unlisted], [true, []]);
  });

  it('of two backups started at once into one empty directory, one writes it and the other is refused', async () => {
    const started = await Promise.all(
      ['race-a', 'race-b'].map((id) =>
        stack.api('/api/v1/backups', { body: { backup_id: id, output_dir: 'race', collections: ['categories'] } }),
      ),
    );
    assert.deepEqual(
      started.map((r) => r.status),
      [200, 200],
    );
    const jobs = await Promise.all(['race-a', 'race-b'].map((id) => waitForJob(stack, 'backups', id)));
    assert.deepEqual(jobs.map((j) => j.status).sort(), ['done', 'failed']);
    assert.match(jobs.find((j) => j.status === 'failed')!.detail, /race already holds (a backup|an unfinished backup)/);
    const v = await stack.api('/api/v1/backups/verify', { body: { input_dir: 'race' } });
    assert.equal(v.body.report.ok, true);
    assert.deepEqual(
      readdirSync(path.join(root, 'race')).filter((n) => n.startsWith('.')),
      [],
      'no temporary files or marker left',
    );
  });

  it('two schedules writing into one directory: each retention keeps exactly its own last backup', async () => {
    for (const id of ['hourly-a', 'hourly-b']) {
      const created = await stack.api('/api/v1/backups/schedules', {
        body: {
          schedule_id: id,
          interval: '24h',
          output_dir: 'shared',
          collections: ['categories'],
          retention: { keep_last: 1 },
        },
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      onTestFinished(async () => {
        await stack.api(`/api/v1/backups/schedules/${id}`, { method: 'DELETE' });
      });
    }
    const twice = await stack.api('/api/v1/backups/schedules', {
      body: { schedule_id: 'hourly-a', interval: '1h', output_dir: 'elsewhere' },
    });
    assert.deepEqual([twice.status, twice.body.code], [409, 'conflict'], 'a schedule id is taken once');
    /** Triggers a schedule and waits for its `n`th run to complete; returns that run's result. */
    const run = async (id: string, n: number) => {
      assert.equal((await stack.api(`/api/v1/backups/schedules/${id}/trigger`, { body: {} })).status, 200);
      for (let i = 0; i < 300; i++) {
        const runs = [];
        for await (const wf of stack.client.workflow.list({
          query: `TemporalScheduledById = '${id}' AND ExecutionStatus = 'Completed'`,
        }))
          runs.push(wf);
        if (runs.length >= n) {
          const latest = runs.sort((a, b) => b.startTime.getTime() - a.startTime.getTime())[0];
          return (await stack.client.workflow.getHandle(latest.workflowId).result()) as {
            backup: string;
            deleted: string[];
          };
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`${id} did not complete run ${n}`);
    };
    const a1 = await run('hourly-a', 1);
    await new Promise((r) => setTimeout(r, 1100)); // backups are named by the second
    const b1 = await run('hourly-b', 1);
    await new Promise((r) => setTimeout(r, 1100));
    const a2 = await run('hourly-a', 2);
    assert.deepEqual([a1.deleted, b1.deleted, a2.deleted], [[], [], [a1.backup]]);
    assert.deepEqual(readdirSync(path.join(root, 'shared')).sort(), [b1.backup, a2.backup].sort());
    const owner = (stamp: string) =>
      JSON.parse(readFileSync(path.join(root, 'shared', stamp, 'export_manifest.json'), 'utf8')).schedule_id;
    assert.deepEqual([owner(b1.backup), owner(a2.backup)], ['hourly-b', 'hourly-a']);
  });

  it('refuses S3 buckets outside VECFLOW_S3_BUCKETS: 400 naming the field, no job started', async () => {
    const s3 = { bucket: 'someone-elses', prefix: 'x' };
    for (const [route, body] of [
      ['backups', { backup_id: 'bucket-b', s3 }],
      ['restores', { restore_id: 'bucket-r', s3 }],
      ['backups/verify', { verify_id: 'bucket-v', s3 }],
      ['backups/schedules', { schedule_id: 'bucket-s', interval: '1h', s3 }],
    ] as const) {
      const r = await stack.api(`/api/v1/${route}`, { body });
      assert.equal(r.status, 400, route);
      assert.match(r.body.detail, /"someone-elses" is not one of VECFLOW_S3_BUCKETS/);
    }
    assert.equal((await stack.api('/api/v1/backups/bucket-b')).status, 404);
  });

  it('refuses names from the Parquet metadata of a seed-layout file that are not valid vecflow names', async () => {
    mkdirSync(path.join(root, 'seedish'), { recursive: true });
    const points = [{ id: 'a', vector: new Float32Array(384).fill(0.5), payload: {}, timestamp: 1n }];
    await writeParquet(
      path.join(root, 'seedish', 'notes.parquet'),
      (async function* () {
        yield points;
      })(),
      { vecflow_model: '../../evil', vecflow_dimension: '384' },
    );
    const r = await job('restores', { input_dir: 'seedish', target: 'vecflow' });
    assert.equal(r.status, 'failed');
    assert.match(r.detail, /notes\.parquet: "\.\.\/\.\.\/evil" is not a valid model name/);
    assert.deepEqual(
      readdirSync(root).filter((n) => n.includes('evil')),
      [],
    );
  });
});
