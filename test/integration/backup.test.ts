import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it, onTestFinished } from 'vitest';
import { fingerprint } from '../helpers/fingerprint.js';
import { testS3 } from '../helpers/s3.js';
import { seedTextItems } from '../helpers/seed.js';
import { runCli } from '../helpers/cli.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { waitForJob } from '../helpers/tasks.js';

// Backup and restore on a real Temporal dev server, the embedded store and a SeaweedFS S3.
const items = { collection: 'items', model: 'hash-384' };
const itemsSmall = { collection: 'items', model: 'hash-256' };

describe('backup and restore', () => {
  let stack: TestStack;
  let s3: Awaited<ReturnType<typeof testS3>>;
  const root = mkdtempSync(path.join(os.tmpdir(), 'vf-backups-'));
  let original: Record<string, unknown>;

  const job = async (route: string, body: unknown) => {
    const res = await stack.api(`/api/v1/${route}`, { body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return waitForJob(stack, route, res.body.id);
  };

  beforeAll(async () => {
    s3 = await testS3('backups');
    stack = await startStack({ ...s3.env, VECFLOW_BACKUP_ROOT: root });
    await seedTextItems(stack.store, items, 50_000);
    await stack.store.ensureCollection({ ...itemsSmall, dimension: 256, distance: 'cosine' });
    await seedTextItems(stack.store, itemsSmall, 1000, 'small', 256);
    await seedTextItems(stack.store, { collection: 'categories', model: 'hash-384' }, 100, 'cat');
    await stack.store.setBlue(itemsSmall); // a blue pointer the restore must bring back
    original = await fingerprint(stack.store);
  });
  afterAll(async () => {
    await stack.stop();
    await s3.stop();
  });

  it('backs up 50,000 × 384 in zstd Parquet parts with a manifest written last, locally and to S3', async () => {
    const b = await job('backups', {
      backup_id: 'full',
      output_dir: 'full',
      s3: { bucket: 'backups', prefix: 'nightly/full' },
      batch_size: 20_000,
    });
    assert.equal(b.status, 'done', JSON.stringify(b).slice(0, 300));
    const dir = path.join(root, 'full');
    const names = readdirSync(dir).sort();
    assert.deepEqual(names, [
      'categories__hash-384.parquet',
      'export_manifest.json',
      'items__hash-256.parquet',
      'items__hash-384_part0000.parquet',
      'items__hash-384_part0001.parquet',
      'items__hash-384_part0002.parquet',
    ]);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'export_manifest.json'), 'utf8'));
    assert.equal(manifest.total_embeddings, 51_100);
    assert.deepEqual(
      manifest.files
        .filter((f: { collection: string; model: string }) => f.model === 'hash-384' && f.collection === 'items')
        .map((f: { rows: number }) => f.rows),
      [20_000, 20_000, 10_000],
    );
    const entry = manifest.collections.find(
      (c: { name: string; model: string }) => c.name === 'items' && c.model === 'hash-256',
    );
    assert.deepEqual([entry.blue, entry.dimension, entry.distance, entry.count], [true, 256, 'cosine', 1000]);
    assert.match(entry.digest, /^[0-9a-f]{64}$/);
    const keys = (
      await (
        await import('../../blobs/s3.js')
      ).S3BlobStore.prototype.list.call(
        new (await import('../../blobs/s3.js')).S3BlobStore({
          bucket: 'backups',
          prefix: 'nightly/full',
          endpoint: s3.endpoint,
        }),
        '',
      )
    ).map((b: { key: string }) => b.key);
    assert.deepEqual(keys.sort(), names);
  });

  it('restores bit-exactly with clear_existing, from the directory and from S3', async () => {
    for (const from of [{ input_dir: 'full' }, { s3: { bucket: 'backups', prefix: 'nightly/full' } }]) {
      // Damage the store: lose items, change payloads, move blue, add a stray.
      await stack.store.delete(items, ['item-1', 'item-2', 'item-49999']);
      await stack.store.upsert(items, [
        { id: 'item-5', vector: new Float32Array(384).fill(0.5), payload: { changed: true }, timestamp: 1n },
        { id: 'stray', vector: new Float32Array(384).fill(0.1), payload: {}, timestamp: 1n },
      ]);
      await stack.store.setBlue(items);
      assert.notDeepEqual(await fingerprint(stack.store), original);
      const r = await job('restores', { ...from, clear_existing: true });
      assert.equal(r.status, 'done', JSON.stringify(r).slice(0, 500));
      assert.deepEqual(r.mismatches, []);
      assert.deepEqual(
        await fingerprint(stack.store),
        original,
        `bit-exact after restoring from ${JSON.stringify(from)}`,
      );
    }
  });

  it('without clear_existing, extra points make the verification fail with details', async () => {
    await stack.store.upsert(items, [
      { id: 'extra-point', vector: new Float32Array(384).fill(0.2), payload: {}, timestamp: 1n },
    ]);
    const r = await job('restores', { input_dir: 'full', collections: ['items'] });
    assert.equal(r.status, 'failed');
    assert.match(r.detail, /items\/hash-384: count 50001, manifest says 50000/);
    await stack.store.delete(items, ['extra-point']);
  });

  it('dry run reports what would be imported and writes nothing', async () => {
    await stack.store.delete(items, ['item-7']);
    const before = await fingerprint(stack.store);
    const r = await job('restores', { input_dir: 'full', dry_run: true, clear_existing: true });
    assert.equal(r.status, 'done');
    assert.equal(r.rows_total, 51_100);
    assert.equal(r.files.length, 5);
    assert.ok(r.files.every((f: { imported: number | null }) => f.imported === null));
    assert.deepEqual(
      r.collections.map((c: { collection: string; model: string }) => `${c.collection}/${c.model}`).sort(),
      ['categories/hash-384', 'items/hash-256', 'items/hash-384'],
    );
    assert.deepEqual(await fingerprint(stack.store), before, 'nothing was written');
  });

  it('a corrupted part fails verification and restore, before anything is written', async () => {
    cpSync(path.join(root, 'full'), path.join(root, 'corrupt'), { recursive: true });
    const part = path.join(root, 'corrupt', 'items__hash-384_part0001.parquet');
    const bytes = readFileSync(part);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(part, bytes);
    const ok = await stack.api('/api/v1/backups/verify', { body: { input_dir: 'full' } });
    assert.deepEqual([ok.status, ok.body.status, ok.body.report.ok], [200, 'done', true]);
    const bad = await stack.api('/api/v1/backups/verify', { body: { input_dir: 'corrupt' } });
    assert.equal(bad.body.status, 'failed');
    const file = bad.body.report.files.find((f: { name: string }) => f.name === 'items__hash-384_part0001.parquet');
    assert.match(file.problems.join(), /sha256/);
    assert.equal(bad.body.report.files.filter((f: { ok: boolean }) => !f.ok).length, 1);
    const before = await fingerprint(stack.store);
    const r = await job('restores', { input_dir: 'corrupt', clear_existing: true });
    assert.equal(r.status, 'failed');
    assert.match(r.detail, /items__hash-384_part0001\.parquet: sha256 does not match/);
    assert.deepEqual(await fingerprint(stack.store), before, 'nothing was written');
  });

  it("restores the seed's own layout into vecflow: text vectors, document/cmetadata/custom_id, float32-exact, tables left out", async () => {
    const { duckdb, sqlString } = await import('../../datafiles/duckdb.js');
    mkdirSync(path.join(root, 'seed'), { recursive: true });
    const vectors = Array.from({ length: 50 }, (_, i) =>
      Float32Array.from({ length: 8 }, (_, j) => Math.fround(Math.sin(i * 7 + j) / 3)),
    );
    const con = await duckdb();
    await con.run(
      'CREATE TABLE seed (id VARCHAR, collection_id VARCHAR, embedding VARCHAR, document VARCHAR, cmetadata VARCHAR, custom_id VARCHAR)',
    );
    for (const [i, v] of vectors.entries()) {
      // pgvector's text form: the shortest decimal of each float32.
      const text = `[${Array.from(v, (x) => String(x)).join(', ')}]`;
      await con.run(
        `INSERT INTO seed VALUES ('u${i}', 'c', ${sqlString(text)}, ${sqlString(`document ${i}`)}, ${sqlString(JSON.stringify({ country: 'NL', n: i }))}, ${sqlString(`doc-${i}`)})`,
      );
    }
    await con.run(
      `COPY seed TO ${sqlString(path.join(root, 'seed', 'chunk_embeddings.parquet'))} (FORMAT PARQUET, COMPRESSION ZSTD)`,
    );
    // The seed's extra table, embeddings included: not a collection.
    await con.run(
      `COPY (SELECT 1 AS id, 'summary' AS summary, '[1,2]' AS embedding) TO ${sqlString(path.join(root, 'seed', 'event_summaries.parquet'))} (FORMAT PARQUET)`,
    );
    con.closeSync();
    writeFileSync(
      path.join(root, 'seed', 'export_manifest.json'),
      JSON.stringify({
        export_timestamp: '2024-11-06T19:45:00',
        total_files: 1,
        files: ['chunk_embeddings.parquet', 'event_summaries.parquet'],
        metadata: { total_embeddings: 50, collections: ['chunk_embeddings'], include_event_summaries: true },
      }),
    );
    const r = await job('restores', { input_dir: 'seed', target: 'vecflow' });
    assert.equal(r.status, 'done', JSON.stringify(r).slice(0, 400));
    assert.equal(r.format, 'seed');
    const target = { collection: 'chunk_embeddings', model: 'external-8' };
    const got = await stack.store.get(
      target,
      vectors.map((_, i) => `doc-${i}`),
    );
    assert.equal(got.length, 50);
    for (const [i, p] of got.entries()) {
      assert.deepEqual(
        Buffer.from(p.vector.buffer).toString('hex'),
        Buffer.from(vectors[i].buffer).toString('hex'),
        `float32 bits of doc-${i}`,
      );
      assert.deepEqual(p.payload, { country: 'NL', n: i, page_content: `document ${i}` });
    }
    assert.equal(await stack.store.getBlue('chunk_embeddings'), 'external-8');
  });

  it("schedules backups with retention: deletes exactly its own older complete backups, locally and in S3 (another schedule's stay)", async () => {
    const { S3BlobStore } = await import('../../blobs/s3.js');
    const bucket = new S3BlobStore({ bucket: 'backups', prefix: 'sched', endpoint: s3.endpoint });
    // Fake backups of this schedule (their manifests name it), and of another one, which stay.
    const fake = path.join(os.tmpdir(), `vf-fake-${Date.now()}`);
    const mine = JSON.stringify({ schedule_id: 'bk-nightly' });
    writeFileSync(fake, mine);
    const others = path.join(os.tmpdir(), `vf-fake-others-${Date.now()}`);
    writeFileSync(others, JSON.stringify({ schedule_id: 'weekly' }));
    for (const stamp of ['20241231_000000', '20250102_120000']) {
      mkdirSync(path.join(root, 'sched', stamp), { recursive: true });
      writeFileSync(path.join(root, 'sched', stamp, 'export_manifest.json'), JSON.stringify({ schedule_id: 'weekly' }));
      await bucket.put(`${stamp}/export_manifest.json`, others);
    }
    for (const stamp of [
      '20250101_000000',
      '20250102_000000',
      '20250103_000000',
      '20250104_000000',
      '20250105_000000',
      '20250106_000000',
    ]) {
      const complete = stamp !== '20250106_000000'; // the newest fake is "still being written"
      mkdirSync(path.join(root, 'sched', stamp), { recursive: true });
      writeFileSync(path.join(root, 'sched', stamp, 'data.parquet'), 'x');
      await bucket.put(`${stamp}/data.parquet`, fake);
      if (complete) {
        writeFileSync(path.join(root, 'sched', stamp, 'export_manifest.json'), mine);
        await bucket.put(`${stamp}/export_manifest.json`, fake);
      }
    }
    // Not 'nightly': the README's example (run by readme.test.ts on the same Temporal) uses that id.
    const created = await stack.api('/api/v1/backups/schedules', {
      body: {
        schedule_id: 'bk-nightly',
        interval: '24h',
        output_dir: 'sched',
        s3: { bucket: 'backups', prefix: 'sched' },
        collections: ['categories'],
        retention: { keep_last: 3 },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    // Removed however this test ends: the run's Temporal server outlives it.
    onTestFinished(async () => {
      await stack.api('/api/v1/backups/schedules/bk-nightly', { method: 'DELETE' });
    });
    // Other test files share the run's Temporal server (and may have schedules of their own).
    const ids = async () =>
      ((await stack.api('/api/v1/backups/schedules')).body.schedules as { schedule_id: string }[]).map(
        (x) => x.schedule_id,
      );
    assert.ok((await ids()).includes('bk-nightly'));
    assert.equal((await stack.api('/api/v1/backups/schedules/bk-nightly/trigger', { body: {} })).status, 200);
    let run: { workflowId: string } | undefined;
    for (let i = 0; i < 200 && !run; i++) {
      for await (const wf of stack.client.workflow.list({
        // This schedule's run only: other test files' schedules start the same workflow type.
        query: `TemporalScheduledById = 'bk-nightly' AND ExecutionStatus = 'Completed'`,
      }))
        run = wf;
      if (!run) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(run, 'the triggered run completed');
    const result = (await stack.client.workflow.getHandle(run!.workflowId).result()) as {
      backup: string;
      deleted: string[];
    };
    assert.deepEqual(result.deleted, ['20250101_000000', '20250102_000000', '20250103_000000']);
    const left = readdirSync(path.join(root, 'sched')).sort();
    assert.deepEqual(
      left,
      [
        '20241231_000000',
        '20250102_120000',
        '20250104_000000',
        '20250105_000000',
        '20250106_000000',
        result.backup,
      ].sort(),
    );
    assert.ok(existsSync(path.join(root, 'sched', result.backup, 'export_manifest.json')));
    const s3Dirs = [...new Set((await bucket.list('')).map((b) => b.key.split('/')[0]))].sort();
    assert.deepEqual(s3Dirs, left);
    assert.equal((await stack.api('/api/v1/backups/schedules/bk-nightly', { method: 'DELETE' })).status, 200);
    assert.ok(!(await ids()).includes('bk-nightly'));
    assert.equal((await stack.api('/api/v1/backups/schedules/bk-nightly')).status, 404);
  });

  it('runs from the CLI as the seed does: relative paths from the working directory, refusals before any job, exit codes, --json', async () => {
    // The CLI runs in the backup root, as a user runs it in the directory `npm start` added.
    const cli = (args: string[]) => runCli(stack.workerEnv, args, { cwd: root });
    const b = await cli([
      'backup',
      '--output-dir',
      './embedding_backups/20241106',
      '--collections',
      'categories',
      '--id',
      'cli-backup',
    ]);
    assert.equal(b.code, 0, b.stderr);
    const where = path.join(root, 'embedding_backups', '20241106');
    assert.ok(b.stderr.includes(`1 files + export_manifest.json, 100 rows of 1 collection(s) → ${where}`), b.stderr);
    assert.ok(existsSync(path.join(where, 'export_manifest.json')));
    assert.match(b.stderr, /100% \| 100\/100/); // the progress line ends at 100 %

    const v = await cli(['verify', '--input-dir', './embedding_backups/20241106']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stderr, /every file matches the manifest\n {2}ok {3}categories__hash-384\.parquet/);
    const dry = await cli(['restore', '--input-dir', 'embedding_backups/20241106', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /dry run — nothing was written\. The restore would import: 1 files, 100 rows/);
    assert.match(dry.stderr, /categories +hash-384 +100 +100/);
    const json = await cli(['restore', '--input-dir', where, '--dry-run', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const job = JSON.parse(json.stdout);
    assert.deepEqual([job.kind, job.status, job.rows_total], ['restore', 'done', 100]);

    // Outside every root: exit 2 naming the roots and the variable, and no job started.
    const before = (await stack.api('/api/v1/jobs?kind=backup&limit=500')).body.jobs.length;
    const outside = await cli(['backup', '--output-dir', '/srv/backups/x', '--id', 'cli-outside']);
    assert.equal(outside.code, 2, outside.stderr);
    assert.ok(outside.stderr.includes(`outside every backup root (${root})`), outside.stderr);
    assert.match(outside.stderr, /VECFLOW_BACKUP_ROOTS/);
    assert.equal((await stack.api('/api/v1/jobs/cli-outside')).status, 404);
    assert.equal((await stack.api('/api/v1/jobs?kind=backup&limit=500')).body.jobs.length, before);

    const bad = await cli(['restore', '--input-dir', 'does-not-exist']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /restore .*: failed — .*does-not-exist/);
    const st = await cli(['status', 'cli-backup', '--json']);
    assert.deepEqual([JSON.parse(st.stdout).kind, JSON.parse(st.stdout).status], ['backup', 'done']);
    const listed = await cli(['jobs', 'list', '--kind', 'backup', '--json']);
    assert.ok(JSON.parse(listed.stdout).jobs.some((j: { id: string }) => j.id === 'cli-backup'));
    const none = await cli(['status', 'no-such-job']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no such job/);
  });

  it('a part left by another backup job in the same directory is rewritten, not reused', async () => {
    const dir = path.join(root, 'stale');
    mkdirSync(dir, { recursive: true });
    const stale = {
      name: 'categories__hash-384.parquet',
      collection: 'categories',
      model: 'hash-384',
      part: null,
      rows: 999,
      bytes: 1,
      sha256: 'x',
      digest: 'x',
      next: null,
      from: null,
      job: 'an-earlier-failed-backup',
    };
    writeFileSync(path.join(dir, '.categories__hash-384.parquet.result.json'), JSON.stringify(stale));
    const b = await job('backups', { backup_id: 'stale-dir', output_dir: 'stale', collections: ['categories'] });
    assert.equal(b.status, 'done', JSON.stringify(b).slice(0, 300));
    const manifest = JSON.parse(readFileSync(path.join(dir, 'export_manifest.json'), 'utf8'));
    assert.deepEqual(
      manifest.files.map((f: { rows: number }) => f.rows),
      [100],
    );
    assert.equal((await stack.api('/api/v1/backups/verify', { body: { input_dir: 'stale' } })).body.report.ok, true);
  });

  it('refuses directories outside the backup root (400 naming the field, nothing started)', async () => {
    const jobsBefore = (await stack.api('/api/v1/jobs?kind=backup&limit=500')).body.jobs.length;
    for (const dir of ['../escape', '/etc', 'a/../../b', 'a\\..\\b', 'x\u0000']) {
      for (const [route, body] of [
        ['backups', { output_dir: dir }],
        ['restores', { input_dir: dir }],
        ['backups/verify', { input_dir: dir }],
        ['backups/schedules', { interval: '1h', output_dir: dir }],
      ] as const) {
        const r = await stack.api(`/api/v1/${route}`, { body });
        assert.equal(r.status, 400, `${route} ${dir}`);
        // The schema refuses '..' and NUL; an absolute path outside every root is refused by
        // name, with the roots and the variable that changes them.
        assert.match(
          r.body.detail,
          dir === '/etc'
            ? /(output|input)_dir "\/etc" is outside every backup root \(.*\); add its directory to VECFLOW_BACKUP_ROOTS/
            : /(output|input)_dir: an absolute path inside a backup root, or a relative one under the first root, without '\.\.'/,
        );
      }
    }
    assert.equal((await stack.api('/api/v1/jobs?kind=backup&limit=500')).body.jobs.length, jobsBefore);
    assert.equal((await stack.api('/api/v1/backups', { body: {} })).status, 400);
    assert.equal(
      (await stack.api('/api/v1/restores', { body: { input_dir: 'a', s3: { bucket: 'abc', prefix: '' } } })).status,
      400,
    );
  });
});
