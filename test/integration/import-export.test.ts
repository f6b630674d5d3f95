import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { parseFilter } from '../../core/filter.js';
import { duckdb, sqlString } from '../../datafiles/duckdb.js';
import { datasetFilter } from '../../datafiles/rows.js';
import { runCli } from '../helpers/cli.js';
import { REINDEX, allIds, startReindex } from '../helpers/reindex.js';
import { seedTextItems } from '../helpers/seed.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import { exportAndDownload, importAndWait, startImport } from '../helpers/datasets.js';
import type { Json } from '../helpers/json.js';

// Import and export through the API with real files, a real Temporal and the embedded store:
// the seed's CSV line, every format both ways (export → import round-trips), the seed's filter
// examples against an independent oracle, skip_existing, and Parquet files of the backup layout.
const SEED_CSV = `id,document_id,values,content,metadata,chunk_id,content_hash,content_type,language,chunk_index,chunk_count,model,created_at,updated_at
doc1,doc1,"[0.1,0.2,0.3]","Sample text","{""category"":""test""}",chunk1,hash123,text/plain,en,0,1,text-embedding-ada-002,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z
`;
const CATEGORIES = ['documents', 'test', 'other'];
export function sampleRow(i: number, dim = 8) {
  return {
    id: `v${i}`,
    document_id: `doc${Math.floor(i / 2)}`,
    values: Array.from({ length: dim }, (_, d) => Math.fround(Math.sin(i * 7 + d) * 0.5)),
    content: `text number ${i}, with "quotes", commas and ünïcode`,
    metadata: { category: CATEGORIES[i % 3], rating: (i % 5) + 0.5, tags: ['a', `t${i % 2}`] },
    chunk_index: i % 10,
    chunk_count: 10,
    language: 'en',
    created_at: '2024-01-01T00:00:00Z',
  };
}

describe('import and export', () => {
  let stack: TestStack;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-ie-'));
  const rows = Array.from({ length: 60 }, (_, i) => sampleRow(i));
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack.stop());

  /** Every point of a dataset's blue collection, as {id → {values, payload}}. */
  async function points(dataset: string) {
    const [entry] = await stack.store.catalog(dataset);
    const out = new Map<string, { values: number[]; payload: Record<string, unknown> }>();
    let cursor: string | null = null;
    do {
      const page = await stack.store.scan(
        { collection: dataset, model: entry.blue! },
        { cursor, limit: 1000, withVectors: true },
      );
      for (const p of page.points) out.set(p.id, { values: Array.from(p.vector), payload: p.payload });
      cursor = page.next;
    } while (cursor);
    return out;
  }

  it("imports the seed's CSV line into a new dataset, with the seed's status fields", async () => {
    const job = await importAndWait(
      stack,
      'seed-csv',
      { name: 'vectors.csv', content: SEED_CSV },
      { format: 'csv', batch_size: '500' },
    );
    for (const k of [
      'job_id',
      'dataset_id',
      'status',
      'total_rows',
      'processed_rows',
      'successful_rows',
      'failed_rows',
      'errors',
      'started_at',
      'completed_at',
      'format',
      'progress_percentage',
    ])
      assert.ok(k in job, k);
    assert.deepEqual(
      [
        job.status,
        job.total_rows,
        job.processed_rows,
        job.successful_rows,
        job.failed_rows,
        job.format,
        job.progress_percentage,
      ],
      ['completed', 1, 1, 1, 0, 'csv', 100],
    );
    assert.equal(job.model, 'external-3', 'a new dataset takes its dimension from the first row');
    const p = (await points('seed-csv')).get('doc1')!;
    assert.deepEqual(p.values, [0.1, 0.2, 0.3].map(Math.fround));
    assert.deepEqual(p.payload.metadata, { category: 'test' });
    assert.equal(p.payload.chunk_index, 0);
    assert.equal(p.payload.model, 'text-embedding-ada-002');
  });

  it('round-trips every format: export → download (bytes = file_size, content type) → import', async () => {
    const source = path.join(dir, 'source.jsonl');
    writeFileSync(source, rows.map((r) => JSON.stringify(r)).join('\n'));
    const imported = await importAndWait(stack, 'rt', source);
    assert.deepEqual([imported.status, imported.format, imported.successful_rows], ['completed', 'jsonl', rows.length]);
    const original = await points('rt');
    assert.equal(original.size, rows.length);
    const types = {
      csv: 'text/csv',
      json: 'application/json',
      jsonl: 'application/x-ndjson',
      parquet: 'application/vnd.apache.parquet',
    };
    for (const format of ['csv', 'json', 'jsonl', 'parquet'] as const) {
      const { job, status, headers, bytes } = await exportAndDownload(stack, 'rt', { format });
      assert.deepEqual(
        [job.status, job.total_vectors, job.exported_vectors, job.progress_percentage],
        ['completed', rows.length, rows.length, 100],
        format,
      );
      assert.equal(status, 200);
      assert.equal(bytes.length, job.file_size, `${format}: downloaded bytes = file_size`);
      assert.equal(headers.get('content-type')?.split(';')[0], types[format]);
      assert.match(headers.get('content-disposition') ?? '', /attachment/);
      const file = path.join(dir, `back.${format}`);
      writeFileSync(file, bytes);
      const back = await importAndWait(stack, `rt-${format}`, file);
      assert.deepEqual(
        [back.status, back.format, back.successful_rows, back.failed_rows],
        ['completed', format, rows.length, 0],
        format,
      );
      assert.deepEqual(
        await points(`rt-${format}`),
        original,
        `${format}: ids, vectors and payloads survive the round trip`,
      );
    }
  });

  it("exports what the seed's filters select: the same ids as an independent oracle and a direct store query", async () => {
    const cases: [unknown, (r: ReturnType<typeof sampleRow>) => boolean][] = [
      ['{"category": "documents"}', (r) => r.metadata.category === 'documents'],
      [
        '{"$and": [{"category": "documents"}, {"rating": {"$gte": 4.0}}]}',
        (r) => r.metadata.category === 'documents' && r.metadata.rating >= 4,
      ],
      [{ chunk_index: { $gte: 0, $lt: 3 } }, (r) => r.chunk_index < 3],
      [{ $or: [{ tags: 't1' }, { language: 'fr' }] }, (r) => r.metadata.tags.includes('t1')],
    ];
    for (const [filters, oracle] of cases) {
      const { job, bytes } = await exportAndDownload(stack, 'rt', { format: 'jsonl', filters });
      const ids = bytes
        .toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id)
        .sort();
      const expected = rows
        .filter(oracle)
        .map((r) => r.id)
        .sort();
      assert.deepEqual(ids, expected, JSON.stringify(filters));
      assert.equal(job.total_vectors, expected.length);
      const [entry] = await stack.store.catalog('rt');
      const raw = typeof filters === 'string' ? JSON.parse(filters) : filters;
      const direct = await stack.store.scan(
        { collection: 'rt', model: entry.blue! },
        { limit: 10_000, filter: parseFilter(datasetFilter(raw)) },
      );
      assert.deepEqual(direct.points.map((p) => p.id).sort(), expected, 'the store queried directly agrees');
    }
    for (const format of ['csv', 'json', 'jsonl', 'parquet']) {
      const empty = await exportAndDownload(stack, 'rt', { format, filters: { category: 'none' } });
      assert.deepEqual(
        [empty.job.status, empty.job.exported_vectors, empty.bytes.length],
        ['completed', 0, empty.job.file_size],
        `empty ${format} export`,
      );
    }
    const limited = await exportAndDownload(stack, 'rt', { format: 'json', limit: 7, filters: '{"category": "test"}' });
    const parsed = JSON.parse(limited.bytes.toString());
    assert.equal(parsed.length, 7);
    assert.ok(parsed.every((r: Json) => r.metadata.category === 'test'));
    assert.equal(limited.job.total_vectors, 7);
  });

  it('skip_existing leaves existing ids untouched and counts them', async () => {
    const changed = rows.slice(0, 10).map((r) => ({ ...r, values: r.values.map(() => 0.25), content: 'changed' }));
    const fresh = [60, 61, 62].map((i) => sampleRow(i));
    const before = await points('rt');
    const job = await importAndWait(
      stack,
      'rt',
      { name: 'more.jsonl', content: [...changed, ...fresh].map((r) => JSON.stringify(r)).join('\n') },
      { skip_existing: 'true' },
    );
    assert.deepEqual([job.status, job.successful_rows, job.skipped_rows, job.failed_rows], ['completed', 3, 10, 0]);
    const now = await points('rt');
    for (const r of changed) assert.deepEqual(now.get(r.id), before.get(r.id), `${r.id} untouched`);
    assert.equal(now.size, 63);
  });

  it("imports Parquet files of the backup layout (vector + payload) and the seed's LangChain layout", async () => {
    const con = await duckdb();
    const own = path.join(dir, 'items__hash-384.parquet');
    await con.run(
      `COPY (SELECT 'b' || i AS id, [i::FLOAT, 1::FLOAT, 2::FLOAT] AS vector, '{"title": "t' || i || '"}' AS payload, 5::BIGINT AS timestamp FROM range(4) t(i)) TO ${sqlString(own)} (FORMAT PARQUET, COMPRESSION ZSTD)`,
    );
    const lc = path.join(dir, 'langchain.parquet');
    await con.run(
      `COPY (SELECT 'c' || i AS custom_id, i AS id, [i::FLOAT, 1::FLOAT, 2::FLOAT] AS embedding, 'doc ' || i AS document, '{"source": "s"}' AS cmetadata FROM range(3) t(i)) TO ${sqlString(lc)} (FORMAT PARQUET)`,
    );
    con.closeSync();
    const a = await importAndWait(stack, 'from-backup', own);
    assert.deepEqual([a.status, a.format, a.successful_rows], ['completed', 'parquet', 4]);
    assert.deepEqual((await points('from-backup')).get('b2')?.payload, { title: 't2' });
    const b = await importAndWait(stack, 'from-langchain', lc);
    assert.deepEqual([b.status, b.successful_rows], ['completed', 3]);
    assert.deepEqual((await points('from-langchain')).get('c1')?.payload, {
      metadata: { source: 's' },
      content: 'doc 1',
    });
  });

  it('embeds content when a row has no values and the dataset has a configured model', async () => {
    const job = await importAndWait(stack, 'items', {
      name: 'text.jsonl',
      content: '{"id": "t1", "content": "hello world"}\n{"id": "t2", "content": ""}',
    });
    assert.deepEqual([job.status, job.successful_rows, job.failed_rows], ['completed_with_errors', 1, 1]);
    assert.deepEqual(job.errors[0], {
      line: 2,
      error: 'Missing required field: values',
      data: { id: 't2', content: '' },
    });
    const [p] = await stack.store.get({ collection: 'items', model: 'hash-384' }, ['t1'], true);
    assert.equal(p.vector.length, 384);
  });

  it('runs from the CLI: import with a progress bar and exit codes, export with filters and limit to a file', async () => {
    const cli = (args: string[]) => runCli(stack.workerEnv, args, { cwd: dir });
    const file = path.join(dir, 'cli.jsonl');
    writeFileSync(
      file,
      rows
        .slice(0, 20)
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const ok = await cli(['import', file, '--dataset', 'cli-ds', '--batch-size', '5']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /import \S+: 20 imported, 0 skipped, 0 failed/);
    const bad = path.join(dir, 'cli-bad.csv');
    writeFileSync(bad, 'id,values\nx1,"[1,2]"\n');
    const partial = await cli(['import', bad, '--dataset', 'cli-ds', '--json']);
    assert.equal(partial.code, 1, 'every row failed: the job failed');
    assert.equal(JSON.parse(partial.stdout).errors[0].error, 'Vector dimension mismatch: expected 8, got 2');
    const missing = await cli(['import', 'missing.csv', '--dataset', 'cli-ds']);
    assert.equal(missing.code, 2, 'a file that is not there is a usage error');
    assert.match(missing.stderr, /cannot read missing\.csv: ENOENT/);
    // Some rows fail: exit 4, the first reasons shown.
    const mixed = path.join(dir, 'cli-mixed.csv');
    writeFileSync(mixed, `id,values\nm1,"[${Array(8).fill(0.5)}]"\nm2,"[1,2]"\n`);
    const some = await cli(['import', 'cli-mixed.csv', '--dataset', 'cli-ds']);
    assert.equal(some.code, 4, some.stderr);
    assert.match(some.stderr, /first reasons:\n {2}row 2: Vector dimension mismatch: expected 8, got 2/, some.stderr);
    const out = path.join(dir, 'cli-out.parquet');
    const exp = await cli([
      'export',
      '--dataset',
      'cli-ds',
      '--format',
      'parquet',
      '--output',
      out,
      '--filters',
      '{"category": "documents"}',
      '--limit',
      '3',
      '--json',
    ]);
    assert.equal(exp.code, 0, exp.stderr);
    assert.equal(JSON.parse(exp.stdout).exported_vectors, 3);
    const con = await duckdb();
    const got = (
      await con.runAndReadAll(
        `SELECT count(*), count(DISTINCT id), min(metadata::JSON->>'category') FROM read_parquet(${sqlString(out)})`,
      )
    ).getRows()[0];
    con.closeSync();
    assert.deepEqual(got.map(String), ['3', '3', 'documents']);
  });

  it('imports during a reindex reach the new model too (one write path)', async () => {
    const src = { collection: 'categories', model: 'hash-384' };
    const dst = { collection: 'categories', model: 'hash-256' };
    await seedTextItems(stack.store, src, 4000);
    await startReindex(stack, {
      task_id: 'import-reindex',
      collection: 'categories',
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256' },
    });
    let round = 0;
    for (;;) {
      const state = (await stack.api(`/api/v1${REINDEX}/import-reindex`)).body;
      if (state.status !== 'processing' && state.status !== 'pending') {
        assert.equal(state.status, 'done', JSON.stringify(state).slice(0, 300));
        break;
      }
      round++;
      const batch = Array.from({ length: 30 }, (_, k) =>
        JSON.stringify({
          id: `imp-${round}-${k}`,
          values: Array.from({ length: 384 }, (_, d) => (d === k ? 1 : 0.01)),
          content: `imported text ${round} ${k}`,
        }),
      );
      const job = await importAndWait(stack, 'categories', { name: 'r.jsonl', content: batch.join('\n') });
      assert.equal(job.status, 'completed', JSON.stringify(job.errors));
    }
    assert.ok(round >= 1, 'imports ran while the reindex did');
    const [a, b] = [await allIds(stack, src), await allIds(stack, dst)];
    assert.deepEqual(b, a, 'the new model has every id, imported ones included');
    const imported = await stack.store.get(dst, [`imp-1-0`], true);
    assert.equal(imported[0].vector.length, 256);
  });

  it('refuses bad requests with 4xx JSON and starts nothing', async () => {
    const noFile = await fetch(`${stack.apiUrl}/api/v1/datasets/x/import`, {
      method: 'POST',
      body: (() => {
        const f = new FormData();
        f.append('format', 'csv');
        return f;
      })(),
    });
    assert.equal(noFile.status, 400);
    assert.match(((await noFile.json()) as Json).detail, /no "file" part/);
    assert.equal((await startImport(stack, 'x', { name: 'a.csv', content: 'id' }, { format: 'xml' })).status, 400);
    assert.equal((await startImport(stack, 'x', { name: 'a.csv', content: 'id' }, { batch_size: '5000' })).status, 400);
    assert.equal((await startImport(stack, 'bad name!', { name: 'a.csv', content: 'id' })).status, 400);
    const json = await stack.api('/api/v1/datasets/x/import', { body: { file: 'a' } });
    assert.equal(json.status, 400);
    assert.equal(
      (await stack.api('/api/v1/datasets/rt/export', { body: { format: 'jsonl', filters: '{"category": ' } })).status,
      400,
    );
    assert.equal(
      (await stack.api('/api/v1/datasets/rt/export', { body: { format: 'jsonl', filters: { rating: { $near: 1 } } } }))
        .status,
      400,
    );
    assert.equal((await stack.api('/api/v1/datasets/rt/export', { body: { format: 'xml' } })).status, 400);
    assert.equal((await stack.api('/api/v1/datasets/nope/export', { body: { format: 'csv' } })).status, 404);
    assert.equal((await stack.api('/api/v1/import/not-a-job')).status, 404);
    const doc = (await stack.api('/api/v1/openapi.json')).body;
    const upload =
      doc.paths['/api/v1/datasets/{dataset_id}/import'].post.requestBody.content['multipart/form-data'].schema;
    assert.deepEqual(
      [upload.properties.file, upload.required.includes('file'), 'batch_size' in upload.properties],
      [{ type: 'string', format: 'binary' }, true, true],
    );
    assert.equal((await stack.api('/api/v1/export/00000000-0000-4000-8000-000000000000')).status, 404);
  });
});
