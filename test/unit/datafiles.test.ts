import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { duckdb, sqlString } from '../../datafiles/duckdb.js';
import { type Cursor, type ReadRow, detectFormat } from '../../datafiles/readers.js';
import { loadDuplicates } from '../../datafiles/duplicates.js';
import { type SourceFormat, planSource, readSource } from '../../datafiles/sources.js';
import { RowError, datasetFilter, rowToPoint } from '../../datafiles/rows.js';

// The import/export file layer: the seed's rows, its error classes and its filter examples.
const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-rows-'));
const SEED_CSV = `id,document_id,values,content,metadata,chunk_id,content_hash,content_type,language,chunk_index,chunk_count,model,created_at,updated_at
doc1,doc1,"[0.1,0.2,0.3]","Sample text","{""category"":""test""}",chunk1,hash123,text/plain,en,0,1,text-embedding-ada-002,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z
`;
const collect = async (g: AsyncGenerator<ReadRow>) => {
  const out: ReadRow[] = [];
  for await (const r of g) out.push(r);
  return out;
};

let n = 0;
/** Plans a file as an import would, then reads its rows from a cursor. */
async function readRows(file: string, format: SourceFormat, from: Cursor = { pos: 0, index: 0 }) {
  const work = path.join(dir, `work-${n++}`);
  mkdirSync(work);
  const plan = await planSource(file, format, work);
  return { plan, rows: await collect(readSource(plan, from)) };
}
const strip = (rows: ReadRow[]) => rows.map(({ next: _n, ...r }) => r);

describe('import rows', () => {
  it("reads the seed's CSV line into a point with its columns in the payload", async () => {
    const file = path.join(dir, 'seed.csv');
    writeFileSync(file, SEED_CSV);
    const {
      plan,
      rows: [r],
    } = await readRows(file, 'csv');
    assert.deepEqual(
      [plan.total, plan.dimension, plan.duplicates, plan.table],
      [1, 3, 0, true],
      'a well-formed CSV is read by DuckDB',
    );
    assert.ok('row' in r);
    const p = rowToPoint(r.row, 3, 7n);
    assert.equal(p.id, 'doc1');
    assert.deepEqual(Array.from(p.vector), [0.1, 0.2, 0.3].map(Math.fround));
    assert.deepEqual(p.payload, {
      metadata: { category: 'test' },
      document_id: 'doc1',
      content: 'Sample text',
      chunk_id: 'chunk1',
      content_hash: 'hash123',
      content_type: 'text/plain',
      language: 'en',
      chunk_index: 0,
      chunk_count: 1,
      model: 'text-embedding-ada-002',
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
    });
  });

  it('reports the seed’s error classes with the row or line', async () => {
    const file = path.join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      [
        '{"id": "a", "values": [1, 2, 3]}',
        '{"id": "b", "values": [1, 2',
        '',
        '{"values": [1, 2, 3]}',
        '{"id": "c", "values": [1, 2]}',
        '{"id": "d", "values": [1, "x", 3]}',
      ].join('\n'),
    );
    const { plan, rows } = await readRows(file, 'jsonl');
    assert.equal(plan.total, 5, 'blank lines are not rows');
    assert.deepEqual(
      rows.map((r) => r.index),
      [1, 2, 4, 5, 6],
    );
    assert.ok('error' in rows[1]);
    assert.match((rows[1] as { error: string }).error, /^Invalid JSON: /);
    const errors = rows
      .filter((r): r is Extract<ReadRow, { row: unknown }> => 'row' in r)
      .map((r) => {
        try {
          rowToPoint(r.row, 3, 1n);
          return null;
        } catch (err) {
          assert.ok(err instanceof RowError);
          return [r.index, err.message];
        }
      });
    assert.deepEqual(errors, [
      null,
      [4, 'Missing required field: id'],
      [5, 'Vector dimension mismatch: expected 3, got 2'],
      [6, 'values[1] is not a finite number'],
    ]);
  });

  it('reads JSON arrays element by element and Parquet with list vectors', async () => {
    const json = path.join(dir, 'rows.json');
    writeFileSync(
      json,
      JSON.stringify([
        { id: 'j1', values: [1, 2], metadata: { a: 1 } },
        { id: 'j2', values: [3, 4] },
      ]),
    );
    const { plan, rows } = await readRows(json, 'json');
    assert.equal(plan.table, true, 'parsed once, by planning, into a table the chunks read');
    assert.ok((rows[0] as Extract<ReadRow, { row: unknown }>).row.values instanceof Float32Array);
    const asArrays = strip(rows).map((r) =>
      'row' in r ? { ...r, row: { ...r.row, values: Array.from(r.row.values as Float32Array) } } : r,
    );
    assert.deepEqual(asArrays, [
      { index: 1, row: { id: 'j1', values: [1, 2], metadata: { a: 1 } } },
      { index: 2, row: { id: 'j2', values: [3, 4] } },
    ]);
    const pq = path.join(dir, 'rows.parquet');
    const con = await duckdb();
    await con.run(
      `COPY (SELECT 'p' || i AS id, [i::FLOAT, 0.5::FLOAT] AS "values", '{"k": 1}' AS metadata, i AS chunk_index FROM range(3) t(i)) TO ${sqlString(pq)} (FORMAT PARQUET)`,
    );
    con.closeSync();
    const { rows: prow } = await readRows(pq, 'parquet', { pos: 1, index: 1 });
    assert.deepEqual(
      prow.map((r) => r.index),
      [2, 3],
      'offset skips rows',
    );
    const p = rowToPoint((prow[0] as { row: Record<string, unknown> }).row, 2, 1n);
    assert.deepEqual([p.id, Array.from(p.vector), p.payload], ['p1', [1, 0.5], { metadata: { k: 1 }, chunk_index: 1 }]);
  });

  it('a JSON file that is not one array fails its planning where it breaks, leaving no table', async () => {
    for (const [content, reason] of [
      ['[{"id": "a", "values": [1, 2]}, {"id": "b"', /^not a JSON array: it ends before its closing \] \(byte \d+\)$/],
      ['[{"id": "a", "values": [1, 2]}] trailing', /^not a JSON array/],
    ] as const) {
      const file = path.join(dir, `broken-${n}.json`);
      writeFileSync(file, content);
      const work = path.join(dir, `work-${n++}`);
      mkdirSync(work);
      await assert.rejects(planSource(file, 'json', work), { message: reason });
      assert.deepEqual(readdirSync(work), [], 'nothing is left behind');
    }
  });

  it('resumes CSV and JSONL from the byte offset after a row, with multi-line cells and non-ASCII text', async () => {
    const csv = path.join(dir, 'resume.csv');
    writeFileSync(
      csv,
      'id,values,content\r\nä1,"[1,2]","line one\r\nline two"\r\nb2,"[3,4]",x,extra\r\nc3,"[5,6]","😀"\r\n',
    );
    const all = await readRows(csv, 'csv');
    assert.equal(all.plan.table, false, 'a record with the wrong number of fields: the streaming reader, row by row');
    assert.deepEqual(
      all.rows.map((r) => r.index),
      [1, 2, 3],
    );
    assert.match((all.rows[1] as { error: string }).error, /^Expected 3 columns \(id,values,content\), found 4$/);
    assert.equal((all.rows[1] as { data: unknown }).data, 'b2,"[3,4]",x,extra', 'the raw record is kept');
    const rest = await collect(readSource(all.plan, all.rows[0].next));
    assert.deepEqual(
      strip(rest),
      strip(all.rows.slice(1)),
      'reading from a row’s cursor gives exactly the rows after it',
    );
    const jl = path.join(dir, 'resume.jsonl');
    writeFileSync(jl, '{"id":"é","values":[1,2]}\n\n{"id":"b","values":[3,4]}\r\n{"id":"c","values":[5,6]}');
    const j = await readRows(jl, 'jsonl');
    assert.deepEqual(
      j.rows.map((r) => r.index),
      [1, 3, 4],
    );
    assert.deepEqual(strip(await collect(readSource(j.plan, j.rows[0].next))), strip(j.rows.slice(1)));
  });

  it('finds ids repeated within a file: the first occurrence wins', async () => {
    const lines = [
      '{"id":"a","values":[1,2]}',
      '{"id":"b","values":[1,2]}',
      '{"id":"a","values":[3,4]}',
      '{"id":"b","values":[5,6]}',
      '{"id":"a","values":[7,8]}',
    ];
    writeFileSync(path.join(dir, 'dups.jsonl'), lines.join('\n'));
    writeFileSync(path.join(dir, 'dups.json'), `[${lines.join(',')}]`);
    for (const format of ['jsonl', 'json'] as const) {
      const { plan } = await readRows(path.join(dir, `dups.${format}`), format);
      assert.equal(plan.duplicates, 3, format);
      assert.deepEqual(
        [...(await loadDuplicates(plan.duplicatesFile, 0, 100))],
        [
          [3, 1],
          [4, 2],
          [5, 1],
        ],
        format,
      );
      assert.deepEqual(
        [...(await loadDuplicates(plan.duplicatesFile, 3, 1))],
        [[4, 2]],
        `${format}: a chunk loads only the repeats after its cursor`,
      );
    }
  });

  it("reads the backup layouts: vecflow's {id, vector, payload} and the seed's LangChain columns", () => {
    const own = rowToPoint({ id: 'x', vector: [1, 2], payload: '{"title":"t","n":1}', timestamp: 5 }, 2, 9n);
    assert.deepEqual([own.id, Array.from(own.vector), own.payload], ['x', [1, 2], { title: 't', n: 1 }]);
    const lc = rowToPoint(
      { custom_id: 'y', id: 'ignored', embedding: [3, 4], document: 'doc', cmetadata: '{"source":"s"}' },
      2,
      9n,
    );
    assert.deepEqual([lc.id, lc.payload], ['y', { metadata: { source: 's' }, content: 'doc' }]);
  });

  it('accepts content instead of values only when the dataset embeds text', () => {
    assert.throws(() => rowToPoint({ id: 'a', content: 'hello' }, 3, 1n), /Missing required field: values/);
    assert.equal(rowToPoint({ id: 'a', content: 'hello' }, 3, 1n, { allowContentOnly: true }).vector.length, 0);
  });

  it('detects formats from the name, else from the content', async () => {
    for (const [name, content, expected] of [
      ['a.csv', 'id,values', 'csv'],
      ['a.ndjson', '{}', 'jsonl'],
      ['upload', '[{"id":1}]', 'json'],
      ['upload2', '{"id":1}\n', 'jsonl'],
      ['upload3', 'id,values\n', 'csv'],
    ] as const) {
      const file = path.join(dir, name);
      writeFileSync(file, content);
      assert.equal(await detectFormat(file), expected, name);
    }
  });

  it("translates the seed's filters: metadata keys by name, columns as columns", () => {
    assert.deepEqual(datasetFilter({ category: 'important' }), { 'metadata.category': 'important' });
    assert.deepEqual(datasetFilter({ $and: [{ category: 'documents' }, { rating: { $gte: 4.0 } }] }), {
      $and: [{ 'metadata.category': 'documents' }, { 'metadata.rating': { $gte: 4.0 } }],
    });
    assert.deepEqual(datasetFilter({ chunk_index: { $gte: 0, $lt: 10000 } }), { chunk_index: { $gte: 0, $lt: 10000 } });
  });
});
