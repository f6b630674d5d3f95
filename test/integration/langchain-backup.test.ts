import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it, onTestFinished } from 'vitest';
import { duckdb, sqlString } from '../../datafiles/duckdb.js';
import {
  type PythonLayout,
  collectionRows,
  createEventSummaries,
  embeddingRows,
  eventSummaryRows,
  langchain,
  langchainUrl,
} from '../helpers/langchain.js';
import { testS3 } from '../helpers/s3.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import { waitForJob } from '../helpers/tasks.js';
import { runCli as runCliIn } from '../helpers/cli.js';
import type { Json } from '../helpers/json.js';

// The seed-004 team's backup and restore of LangChain PGVector tables (issue #13), end to end:
// tables created and filled by LangChain's own Python code in both layouts, a real Temporal,
// the embedded store, SeaweedFS for S3; every restored row compared bit for bit.
const EVENTS = 'événements 2024/Q1';
const EVENTS_FILE = '%C3%A9v%C3%A9nements%202024%2FQ1.parquet';

async function columnTypes(file: string): Promise<Record<string, string>> {
  const con = await duckdb();
  try {
    const r = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
    return Object.fromEntries(r.getRowObjectsJson().map((x) => [String(x.column_name), String(x.column_type)]));
  } finally {
    con.closeSync();
  }
}

describe.each(['postgres', 'community'] as PythonLayout[])(
  'LangChain PGVector backup and restore (%s layout)',
  (layout) => {
    let stack: TestStack;
    let s3: Awaited<ReturnType<typeof testS3>>;
    const root = mkdtempSync(path.join(os.tmpdir(), 'vf-lc-backups-'));
    let url: string;
    let original: { rows: string[]; collections: Json[]; events: string[]; answers: number[][] };

    const job = async (route: string, body: Record<string, unknown>) => {
      const res = await stack.api(`/api/v1/${route}`, { body });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return waitForJob(stack, route, res.body.id);
    };
    const search = async () =>
      (await langchain('search', layout, url, 'chunk_embeddings', 'document 3 about topic 3', '5', '16', '1')).answers!;
    const snapshot = async () => ({
      rows: await embeddingRows(stack, layout),
      collections: await collectionRows(stack),
      events: await eventSummaryRows(stack),
    });

    beforeAll(async () => {
      s3 = await testS3('lc-backups');
      stack = await startStack({ ...s3.env, VECFLOW_BACKUP_ROOT: root });
      url = langchainUrl(stack);
      await langchain('fill', layout, url, 'chunk_embeddings', '300', '16', 'c-');
      await langchain('fill', layout, url, EVENTS, '40', '8', 'e-');
      await createEventSummaries(stack, 25);
      original = { ...(await snapshot()), answers: await search() };
    });
    afterAll(async () => {
      await stack?.stop();
      await s3?.stop();
    });

    it("backs up in the seed's files and manifest, locally and to S3", async () => {
      const b = await job('backups', {
        backup_id: `lc-${layout}`,
        source: 'langchain',
        output_dir: `lc-${layout}`,
        include_event_summaries: true,
        batch_size: 128,
        s3: { bucket: 'lc-backups', prefix: `nightly/${layout}` },
      });
      assert.equal(b.status, 'done', JSON.stringify(b).slice(0, 500));
      const dir = path.join(root, `lc-${layout}`);
      const expected = [
        EVENTS_FILE,
        'chunk_embeddings_part0000.parquet',
        'chunk_embeddings_part0001.parquet',
        'chunk_embeddings_part0002.parquet',
        'event_summaries.parquet',
        'export_manifest.json',
      ];
      assert.deepEqual(readdirSync(dir).sort(), expected.sort());
      const m = JSON.parse(readFileSync(path.join(dir, 'export_manifest.json'), 'utf8'));
      assert.equal(m.total_files, 6);
      assert.deepEqual([...m.files].sort(), expected.filter((f) => f !== 'export_manifest.json').sort());
      assert.deepEqual(m.metadata, {
        total_embeddings: 340,
        collections: [EVENTS, 'chunk_embeddings'].sort(),
        include_event_summaries: true,
      });
      assert.match(m.export_timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      assert.equal(m.vecflow.layout, layout === 'postgres' ? 'langchain-postgres' : 'langchain-community');
      const chunks = m.vecflow.collections.find((c: { name: string }) => c.name === 'chunk_embeddings');
      assert.deepEqual([chunks.dimension, chunks.rows, chunks.files.length], [16, 300, 3]);
      assert.deepEqual(
        m.vecflow.files
          .filter((f: { name: string }) => f.name.startsWith('chunk'))
          .map((f: { rows: number }) => f.rows),
        [128, 128, 44],
      );
      for (const f of m.vecflow.files) assert.match(f.sha256, /^[0-9a-f]{64}$/);
      const keys = layout === 'postgres' ? { id: 'VARCHAR' } : { uuid: 'VARCHAR', custom_id: 'VARCHAR' };
      assert.deepEqual(await columnTypes(path.join(dir, 'chunk_embeddings_part0001.parquet')), {
        ...keys,
        document: 'VARCHAR',
        cmetadata: 'VARCHAR',
        embedding: 'VARCHAR',
      });
      assert.deepEqual(await columnTypes(path.join(dir, 'event_summaries.parquet')), {
        id: 'INTEGER',
        event_date: 'DATE',
        country: 'VARCHAR',
        summary: 'VARCHAR',
        score: 'DOUBLE',
        weight: 'FLOAT',
        n_docs: 'INTEGER',
        big: 'BIGINT',
        amount: 'DECIMAL(12,3)',
        created_at: 'TIMESTAMP WITH TIME ZONE',
        local_at: 'TIMESTAMP',
        tags: 'VARCHAR',
        meta: 'VARCHAR',
        embedding: 'VARCHAR',
        raw: 'BLOB',
        ok: 'BOOLEAN',
        ref: 'UUID',
      });
      const { S3BlobStore } = await import('../../blobs/s3.js');
      const bucket = new S3BlobStore({ bucket: 'lc-backups', prefix: `nightly/${layout}`, endpoint: s3.endpoint });
      assert.deepEqual((await bucket.list('')).map((x) => x.key).sort(), expected.sort());
    });

    it('dry-runs (nothing changes), then restores with clear_existing: every row identical, the same search answers', async () => {
      // The database moves on after the backup: rows deleted, changed, added; a summary edited.
      await stack.sql(`DELETE FROM langchain_pg_embedding WHERE document LIKE 'document 1%'`);
      await stack.sql(
        `UPDATE langchain_pg_embedding SET document = 'changed', cmetadata = '{"x":1}' WHERE document LIKE 'document 2%'`,
      );
      await langchain('fill', layout, url, 'chunk_embeddings', '3', '16', 'late-');
      await stack.sql(`UPDATE event_summaries SET summary = 'edited' WHERE id < 5`);
      const changed = await snapshot();
      assert.notDeepEqual(changed.rows, original.rows);

      const dry = await job('restores', { restore_id: `lc-dry-${layout}`, input_dir: `lc-${layout}`, dry_run: true });
      assert.equal(dry.status, 'done', JSON.stringify(dry).slice(0, 500));
      assert.equal(dry.format, 'langchain');
      const report = dry.langchain as { collections: Json[]; tables: Json[]; cleared: boolean };
      const chunks = report.collections.find((c) => c.name === 'chunk_embeddings')!;
      assert.deepEqual([chunks.rows, chunks.dimension, chunks.restored], [300, 16, 0]);
      assert.equal(chunks.existing_rows, changed.rows.filter((r) => r.includes('"chunk_embeddings"')).length);
      assert.deepEqual(report.tables, [{ name: 'event_summaries', rows: 26, restored: 0 }]);
      assert.deepEqual(await snapshot(), changed, 'a dry run writes nothing');

      const r = await job('restores', {
        restore_id: `lc-full-${layout}`,
        input_dir: `lc-${layout}`,
        clear_existing: true,
      });
      assert.equal(r.status, 'done', JSON.stringify(r).slice(0, 500));
      assert.equal((r.langchain as { cleared: boolean }).cleared, true);
      assert.deepEqual(await snapshot(), {
        rows: original.rows,
        collections: original.collections,
        events: original.events,
      });
      assert.deepEqual(await search(), original.answers);

      // Twice: the same database (upsert by id).
      const again = await job('restores', { restore_id: `lc-again-${layout}`, input_dir: `lc-${layout}` });
      assert.equal(again.status, 'done');
      assert.deepEqual((await snapshot()).rows, original.rows);
    });

    it('skips event summaries when asked, and restores a subset of collections', async () => {
      await stack.sql(`UPDATE event_summaries SET summary = 'kept' WHERE id = 1`);
      await stack.sql(`DELETE FROM langchain_pg_embedding`);
      const r = await job('restores', {
        input_dir: `lc-${layout}`,
        skip_event_summaries: true,
        collections: ['chunk_embeddings'],
      });
      assert.equal(r.status, 'done', JSON.stringify(r).slice(0, 500));
      assert.deepEqual((r.langchain as { tables: Json[] }).tables, []);
      assert.equal((await eventSummaryRows(stack))[0].includes('"kept"'), true);
      const rows = await embeddingRows(stack, layout);
      assert.deepEqual(
        rows,
        original.rows.filter((x) => x.includes('"chunk_embeddings"')),
      );
    });

    it('restores from S3 into an empty database: tables, collections (uuid, cmetadata) and summaries recreated', async () => {
      await stack.sql('DROP TABLE langchain_pg_embedding, langchain_pg_collection, event_summaries');
      const r = await job('restores', { s3: { bucket: 'lc-backups', prefix: `nightly/${layout}` } });
      assert.equal(r.status, 'done', JSON.stringify(r).slice(0, 500));
      assert.deepEqual(await snapshot(), {
        rows: original.rows,
        collections: original.collections,
        events: original.events,
      });
      assert.deepEqual(await search(), original.answers);
    });

    it("restores a seed-style directory (the seed's manifest, no checksums) with a warning", async () => {
      const seedDir = path.join(root, `seed-${layout}`);
      cpSync(path.join(root, `lc-${layout}`), seedDir, { recursive: true });
      const m = JSON.parse(readFileSync(path.join(seedDir, 'export_manifest.json'), 'utf8'));
      delete m.vecflow;
      writeFileSync(path.join(seedDir, 'export_manifest.json'), JSON.stringify(m));
      await stack.sql('DELETE FROM langchain_pg_embedding');
      const r = await job('restores', { input_dir: `seed-${layout}`, clear_existing: true });
      assert.equal(r.status, 'done', JSON.stringify(r).slice(0, 500));
      assert.match(JSON.stringify((r.langchain as { warnings: string[] }).warnings), /no checksums.*unverified/);
      assert.deepEqual((await snapshot()).rows, original.rows);
    });

    it('says cleared: true with the counts restored when a restore fails after clearing', async () => {
      const broken = path.join(root, `broken-${layout}`);
      cpSync(path.join(root, `seed-${layout}`), broken, { recursive: true });
      // A readable file whose 3rd row is not a vector: the database refuses it after the clear.
      const part = path.join(broken, 'chunk_embeddings_part0001.parquet');
      const con = await duckdb();
      await con.run(
        `COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () = 3 THEN '[1,2' ELSE embedding END AS embedding) FROM read_parquet(${sqlString(part)})) TO ${sqlString(`${part}.new`)} (FORMAT PARQUET)`,
      );
      con.closeSync();
      renameSync(`${part}.new`, part);
      const r = await job('restores', { input_dir: `broken-${layout}`, clear_existing: true });
      assert.equal(r.status, 'failed');
      assert.match(String(r.detail), /chunk_embeddings_part0001\.parquet: rows 1-\d+: .*'\[1,2'/);
      const report = r.langchain as { cleared: boolean; collections: { name: string; restored: number }[] };
      assert.equal(report.cleared, true);
      assert.deepEqual(
        report.collections.map((c) => [c.name, c.restored]),
        [
          [EVENTS, 40],
          ['chunk_embeddings', 128],
        ],
      );
      assert.equal((await embeddingRows(stack, layout)).length, 168);
    });

    it('refuses a dimension clash before writing anything, naming the collection and both dimensions', async () => {
      await stack.sql(
        `DELETE FROM langchain_pg_embedding WHERE collection_id = (SELECT uuid FROM langchain_pg_collection WHERE name = 'chunk_embeddings')`,
      );
      await langchain('fill', layout, url, 'chunk_embeddings', '2', '4', 'small-');
      const before = await snapshot();
      const r = await job('restores', { input_dir: `lc-${layout}`, clear_existing: true });
      assert.equal(r.status, 'failed');
      assert.match(
        String(r.detail),
        /"chunk_embeddings": the backup's vectors have 16 dimensions, the database's collection has 4/,
      );
      assert.deepEqual(await snapshot(), before, 'nothing was written');
      assert.equal((r.langchain as { cleared: boolean }).cleared, false);
    });
  },
);

describe('moving between vecflow and LangChain', () => {
  let stack: TestStack;
  const root = mkdtempSync(path.join(os.tmpdir(), 'vf-lc-moves-'));
  const job = async (route: string, body: Record<string, unknown>) => {
    const res = await stack.api(`/api/v1/${route}`, { body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return waitForJob(stack, route, res.body.id);
  };
  beforeAll(async () => {
    stack = await startStack({ VECFLOW_BACKUP_ROOT: root });
  });
  afterAll(async () => stack?.stop());

  it('restores a LangChain backup into vecflow collections (payload = cmetadata + page_content), refusing a model of another dimension', async () => {
    await langchain('fill', 'postgres', langchainUrl(stack), 'chunk_embeddings', '20', '16', 'm-');
    assert.equal((await job('backups', { source: 'langchain', output_dir: 'to-vecflow' })).status, 'done');
    const wrong = await job('restores', { input_dir: 'to-vecflow', target: 'vecflow', model: 'hash-384' });
    assert.equal(wrong.status, 'failed');
    assert.match(String(wrong.detail), /model hash-384 has 384 dimensions, the vectors of chunk_embeddings have 16/);
    const r = await job('restores', { input_dir: 'to-vecflow', target: 'vecflow' });
    assert.equal(r.status, 'done', JSON.stringify(r).slice(0, 500));
    const ref = { collection: 'chunk_embeddings', model: 'external-16' };
    const ids = Array.from({ length: 20 }, (_, i) => `m-doc-${i}`);
    const points = await stack.store.get(ref, ids);
    assert.equal(points.length, 20);
    const stored = await stack.sql(`SELECT id, encode(vector_send(embedding), 'hex') AS v FROM langchain_pg_embedding`);
    const bits = new Map(stored.map((x) => [String(x.id), String(x.v).slice(8)]));
    for (const [i, p] of points.entries()) {
      assert.deepEqual(p.payload, { i, topic: i % 7, page_content: `document ${i} about topic ${i % 7}` });
      const be = Buffer.from(p.vector.buffer).swap32().toString('hex');
      assert.equal(be, bits.get(ids[i]), `float32 bits of ${ids[i]}`);
    }
  });

  it('writes FLOAT lists with vector_format "float", bit for bit, and restores from them', async () => {
    const bits = async () =>
      (
        await stack.sql(`SELECT id, encode(vector_send(embedding), 'hex') AS v FROM langchain_pg_embedding ORDER BY id`)
      ).map((r) => `${String(r.id)} ${String(r.v).slice(8)}`);
    const before = await bits();
    assert.equal(before.length, 20);
    const b = await job('backups', { source: 'langchain', output_dir: 'as-float', vector_format: 'float' });
    assert.equal(b.status, 'done', JSON.stringify(b).slice(0, 500));
    const con = await duckdb();
    try {
      const file = sqlString(path.join(root, 'as-float', 'chunk_embeddings.parquet'));
      const types = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${file})`)).getRows();
      assert.equal(types.find((t) => t[0] === 'embedding')?.[1], 'FLOAT[]');
      const rows = (await con.runAndReadAll(`SELECT id, embedding FROM read_parquet(${file}) ORDER BY id`)).getRows();
      const fromFile = rows.map(([id, v]) => {
        const floats = Float32Array.from((v as { items: number[] }).items);
        return `${String(id)} ${Buffer.from(floats.buffer).swap32().toString('hex')}`;
      });
      assert.deepEqual(fromFile, before);
    } finally {
      con.closeSync();
    }
    await stack.sql('DELETE FROM langchain_pg_embedding');
    const r = await job('restores', { input_dir: 'as-float' });
    assert.equal(r.status, 'done', JSON.stringify(r).slice(0, 500));
    assert.deepEqual(await bits(), before);
  });

  it("restores a vecflow backup into LangChain's tables, which LangChain then searches", async () => {
    const ref = { collection: 'moved', model: 'hash-256' };
    await stack.store.ensureCollection({ ...ref, dimension: 256, distance: 'cosine' });
    const vectors = Array.from({ length: 12 }, (_, i) =>
      Float32Array.from({ length: 256 }, (_, j) => Math.fround(Math.cos(i * 3 + j) / 7)),
    );
    await stack.store.upsert(
      ref,
      vectors.map((vector, i) => ({
        id: `v-${i}`,
        vector,
        payload: i < 10 ? { page_content: `text ${i}`, lang: 'en', n: i } : { title: `title ${i}`, n: i },
        timestamp: 1n,
      })),
    );
    assert.equal((await job('backups', { output_dir: 'from-vecflow', collections: ['moved'] })).status, 'done');
    const r = await job('restores', { input_dir: 'from-vecflow', target: 'langchain' });
    assert.equal(r.status, 'done', JSON.stringify(r).slice(0, 500));
    const rows = await stack.sql(
      `SELECT e.id, e.document, e.cmetadata::text AS m, encode(vector_send(e.embedding), 'hex') AS v
         FROM langchain_pg_embedding e JOIN langchain_pg_collection c ON c.uuid = e.collection_id
        WHERE c.name = 'moved' ORDER BY e.id`,
    );
    assert.equal(rows.length, 12);
    for (const row of rows) {
      const i = Number(String(row.id).slice(2));
      assert.equal(row.document, i < 10 ? `text ${i}` : `title ${i}`);
      assert.deepEqual(JSON.parse(String(row.m)), i < 10 ? { lang: 'en', n: i } : { title: `title ${i}`, n: i });
      assert.equal(String(row.v).slice(8), Buffer.from(vectors[i].buffer.slice(0)).swap32().toString('hex'));
    }
    const found = await langchain('search', 'postgres', langchainUrl(stack), 'moved', 'anything', '3', '256', '1');
    assert.equal(found.answers![0].length, 3);
  });

  it("runs the seed's commands from the CLI (--source langchain), verifies, and backs up on a schedule", async () => {
    const env = stack.workerEnv;
    const runCli = (e: Record<string, string>, args: string[]) =>
      runCliIn(e, args.includes('--source') ? args : [...args, '--source', 'langchain'], { cwd: root });
    await stack.sql('CREATE TABLE event_summaries (id int PRIMARY KEY, summary text)');
    await stack.sql("INSERT INTO event_summaries VALUES (1, 'one'), (2, 'two')");
    const b = await runCli(env, [
      'backup',
      '--output-dir',
      'cli-lc',
      '--include-event-summaries',
      '--collections',
      'chunk_embeddings',
    ]);
    assert.equal(b.code, 0, b.stderr);
    assert.ok(
      b.stderr.includes(`2 files + export_manifest.json, 22 rows of 1 collection(s) → ${path.join(root, 'cli-lc')}`),
      b.stderr,
    );
    assert.deepEqual(readdirSync(path.join(root, 'cli-lc')).sort(), [
      'chunk_embeddings.parquet',
      'event_summaries.parquet',
      'export_manifest.json',
    ]);
    const v = await runCliIn(env, ['verify', '--input-dir', 'cli-lc'], { cwd: root });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const dry = await runCliIn(env, ['restore', '--input-dir', 'cli-lc', '--dry-run'], { cwd: root });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /dry run — nothing was written/);
    assert.match(dry.stderr, /chunk_embeddings +20 +16 +20 +0/);
    assert.match(dry.stderr, /table event_summaries +2/);
    // A collection whose file would be the table's: refused before anything is written.
    await langchain('fill', 'postgres', langchainUrl(stack), 'event_summaries', '2', '16', 'clash-');
    const clash = await runCli(env, ['backup', '--output-dir', 'clash', '--include-event-summaries']);
    assert.equal(clash.code, 1);
    assert.match(
      clash.stderr,
      /collection "event_summaries" and table "event_summaries" would both be written to event_summaries\.parquet/,
    );
    assert.equal(existsSync(path.join(root, 'clash')), false);
    await stack.sql("DELETE FROM langchain_pg_collection WHERE name = 'event_summaries'");
    const mixed = await runCli(env, [
      'backup',
      '--output-dir',
      'x',
      '--source',
      'vecflow',
      '--include-event-summaries',
    ]);
    assert.notEqual(mixed.code, 0);
    assert.match(mixed.stderr, /apply to source "langchain" only/);

    const created = await stack.api('/api/v1/backups/schedules', {
      body: {
        schedule_id: 'lc-nightly',
        cron: '0 2 * * *',
        output_dir: 'sched-lc',
        source: 'langchain',
        include_event_summaries: true,
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    // Schedules live in the run's shared Temporal server: removed when this test ends.
    onTestFinished(async () => {
      await stack.api('/api/v1/backups/schedules/lc-nightly', { method: 'DELETE' });
    });
    assert.equal((await stack.api('/api/v1/backups/schedules/lc-nightly/trigger', { method: 'POST' })).status, 200);
    let stamps: string[] = [];
    for (let i = 0; i < 300 && stamps.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const base = path.join(root, 'sched-lc');
      stamps = existsSync(base)
        ? readdirSync(base).filter((d) => existsSync(path.join(base, d, 'export_manifest.json')))
        : [];
    }
    assert.equal(stamps.length, 1);
    const m = JSON.parse(readFileSync(path.join(root, 'sched-lc', stamps[0], 'export_manifest.json'), 'utf8'));
    assert.equal(m.metadata.include_event_summaries, true);
    assert.ok(m.files.includes('event_summaries.parquet'));
  });
});
