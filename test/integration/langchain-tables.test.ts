import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';
import { ROOT } from '../../devstack/tools.js';
import { Db } from '../../stores/postgres/db.js';
import { postgresPool } from '../../stores/index.js';
import { decodeVectorSend } from '../../stores/postgres/vectors.js';
import { collectionDimension, countRows, detectLayout, listCollections } from '../../stores/langchain/tables.js';
import { CopyLangchainDatabase } from '../../stores/langchain/connection.js';
import { embeddingColumns, embeddingSelect, pageEnd } from '../../stores/langchain/sql.js';
import { collectionColumns, csvToParquet } from '../../datafiles/langchain-parquet.js';
import { encodeTextVectorRows } from '../../stores/langchain/copy-binary.js';

interface LangchainRow {
  id?: string;
  uuid?: string;
  custom_id?: string | null;
  document: string | null;
  cmetadata: string | null;
  embedding: string | null;
}
import { duckdb, sqlString } from '../../datafiles/duckdb.js';
import { startTestPglite } from '../helpers/pglite.js';
import { provided } from '../helpers/servers.js';

/** A Parquet file's columns as DuckDB reads them: `name TYPE`. */
async function columnTypes(file: string): Promise<string[]> {
  const con = await duckdb();
  try {
    const reader = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
    return reader.getRowObjectsJson().map((r) => `${String(r.column_name)} ${String(r.column_type)}`);
  } finally {
    con.closeSync();
  }
}

/** A Parquet file's rows by their key column, read by DuckDB. */
async function readColumns(file: string, key: string): Promise<Map<string, Record<string, unknown>>> {
  const con = await duckdb();
  try {
    const reader = await con.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(file)})`);
    const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
    return new Map(rows.map((r) => [String(r[key]), r]));
  } finally {
    con.closeSync();
  }
}

// Reading LangChain's PGVector tables as LangChain's own Python code writes them
// (test/python/langchain_pgvector.py), in both layouts: the ground the LangChain backup
// builds on (issue #13).
const run = promisify(execFile);
const LAYOUTS = { postgres: 'langchain-postgres', community: 'langchain-community' } as const;
const COLLECTIONS = [
  { name: 'chunk_embeddings', count: 25, dim: 16, prefix: 'c-' },
  { name: 'événements 2024/Q1', count: 10, dim: 8, prefix: 'e-' },
];

async function fill(layout: string, url: string, collection: string, count: number, dim: number, prefix: string) {
  const python = (await provided('python'))!;
  await run(python, [
    path.join(ROOT, 'test/python/langchain_pgvector.py'),
    'fill',
    layout,
    url,
    collection,
    String(count),
    String(dim),
    prefix,
  ]);
}

describe('binary COPY rows into the database', () => {
  it('loads text columns and vectors bit for bit: NULLs, non-ASCII, -0, the smallest subnormal, the largest float', async () => {
    const own = await startTestPglite();
    const db = new Db(postgresPool({ kind: 'embedded', socketDir: own.embedded.socketDir }, 1));
    const lc = new CopyLangchainDatabase(
      postgresPool({ kind: 'embedded', socketDir: own.embedded.socketDir }, 1),
      own.embedded,
    );
    try {
      await db.query('CREATE EXTENSION IF NOT EXISTS vector');
      await db.query('CREATE TABLE rows_in (k text, doc text, embedding vector)');
      const vectors = [Float32Array.of(1, -0, 1e-45), null, Float32Array.of(3.4028234663852886e38, Math.fround(0.1))];
      const rows = {
        texts: [
          ['a', 'é/€', 'c'],
          ['doc', null, ''],
        ],
        vectors,
      };
      const n = await lc.load(
        [],
        'rows_in (k, doc, embedding)',
        encodeTextVectorRows(rows),
        ['UPDATE rows_in SET k = k'],
        'binary',
      );
      assert.equal(n, 3);
      const back = await db.query<{ k: string; doc: string | null; v: Buffer | null }>(
        'SELECT k, doc, vector_send(embedding) AS v FROM rows_in ORDER BY k',
      );
      assert.deepEqual(
        back.map((r) => [r.k, r.doc]),
        [
          ['a', 'doc'],
          ['c', ''],
          ['é/€', null],
        ],
      );
      const hex = (v: Float32Array | null) => (v ? Buffer.from(v.buffer).toString('hex') : null);
      assert.deepEqual(
        back.map((r) => (r.v ? hex(decodeVectorSend(r.v)) : null)),
        [hex(vectors[0]), hex(vectors[2]), null],
      );
    } finally {
      await lc.close();
      await db.close();
      await own.stop();
    }
  });
});

describe("LangChain's PGVector tables, read", () => {
  for (const [layout, expected] of Object.entries(LAYOUTS)) {
    it(`tells the ${layout} layout from its columns and reads every row of each collection exactly`, async () => {
      const own = await startTestPglite();
      const db = new Db(postgresPool({ kind: 'embedded', socketDir: own.embedded.socketDir }, 2));
      try {
        assert.equal(await detectLayout(db), null, 'no LangChain tables yet');
        const url = `postgresql+psycopg://postgres@/postgres?host=${own.embedded.socketDir}&port=5432`;
        for (const c of COLLECTIONS) await fill(layout, url, c.name, c.count, c.dim, c.prefix);
        assert.equal(await detectLayout(db), expected);

        const collections = await listCollections(db);
        assert.deepEqual(
          collections.map((c) => c.name),
          COLLECTIONS.map((c) => c.name).sort(),
        );
        for (const c of COLLECTIONS) {
          const { uuid } = collections.find((x) => x.name === c.name)!;
          assert.equal(await collectionDimension(db, uuid), c.dim);
          assert.equal(await countRows(db, uuid), c.count);
          // Read out in key-ranged CSV pages of 7, as a backup part reads them.
          const lc = new CopyLangchainDatabase(
            postgresPool({ kind: 'embedded', socketDir: own.embedded.socketDir }, 1),
            own.embedded,
          );
          const keyColumns = embeddingColumns(expected).slice(0, -3);
          const pages: Buffer[] = [];
          let after: string | null = null;
          for (;;) {
            const upTo = await pageEnd(db, expected, uuid, after, 7);
            pages.push(await lc.copyOut(embeddingSelect(expected, uuid, after, upTo), 'csv'));
            if (upTo === null) break;
            after = upTo;
          }
          await lc.close();
          assert.equal(pages.length, Math.floor(c.count / 7) + 1);
          const replay = async function* () {
            yield* pages;
          };
          const asRows = await csvToParquet(
            replay(),
            collectionColumns(keyColumns, 'text'),
            path.join(own.dir, `${c.prefix}all.parquet`),
            {},
          );
          assert.equal(asRows.rows, c.count);
          const rows = [
            ...(await readColumns(path.join(own.dir, `${c.prefix}all.parquet`), keyColumns[0])).values(),
          ] as unknown as LangchainRow[];
          assert.equal(rows.length, c.count);
          const ids = rows.map((r) => (expected === 'langchain-postgres' ? r.id : r.custom_id));
          assert.deepEqual([...ids].sort(), Array.from({ length: c.count }, (_, i) => `${c.prefix}doc-${i}`).sort());
          // The text form reads back as the stored float32s, bit for bit.
          const key = expected === 'langchain-postgres' ? 'id' : 'uuid';
          const stored = await db.query<{ k: string; v: Buffer }>(
            `SELECT ${key}::text AS k, vector_send(embedding) AS v FROM langchain_pg_embedding WHERE collection_id = $1::uuid`,
            [uuid],
          );
          const bytes = new Map(stored.map((s) => [s.k, Buffer.from(decodeVectorSend(s.v).buffer).toString('hex')]));
          for (const r of rows) {
            const parsed = Float32Array.from(JSON.parse(r.embedding!) as number[]);
            assert.equal(Buffer.from(parsed.buffer).toString('hex'), bytes.get((r.id ?? r.uuid)!));
            const i = Number(/doc-(\d+)$/.exec((expected === 'langchain-postgres' ? r.id : r.custom_id) ?? '')![1]);
            assert.deepEqual(JSON.parse(r.cmetadata!), { i, topic: i % 7 });
            assert.equal(r.document, `document ${i} about topic ${i % 7}`);
          }
          // Written in the seed's columns, vectors as text or as FLOAT lists, and read back by DuckDB.
          for (const vectors of ['text', 'float'] as const) {
            const file = path.join(own.dir, `${c.prefix}${vectors}.parquet`);
            const written = await csvToParquet(replay(), collectionColumns(keyColumns, vectors), file, {
              layout: expected,
            });
            assert.equal(written.rows, c.count);
            const keys = expected === 'langchain-postgres' ? ['id'] : ['uuid', 'custom_id'];
            assert.deepEqual(await columnTypes(file), [
              ...keys.map((k) => `${k} VARCHAR`),
              'document VARCHAR',
              'cmetadata VARCHAR',
              `embedding ${vectors === 'text' ? 'VARCHAR' : 'FLOAT[]'}`,
            ]);
            const back = await readColumns(file, key);
            for (const r of rows) {
              const got = back.get((r.id ?? r.uuid)!)!;
              assert.equal(got.document, r.document);
              assert.equal(got.cmetadata, r.cmetadata);
              const floats = Float32Array.from(
                vectors === 'text' ? (JSON.parse(got.embedding as string) as number[]) : (got.embedding as number[]),
              );
              assert.equal(Buffer.from(floats.buffer).toString('hex'), bytes.get((r.id ?? r.uuid)!));
            }
          }
        }
      } finally {
        await db.close();
        await own.stop();
      }
    });
  }
});
