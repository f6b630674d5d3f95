import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';
import { ROOT } from '../../devstack/tools.js';
import { Db } from '../../stores/postgres/db.js';
import { type CopyRunner, wireCopyRunner } from '../../stores/postgres/copy-runner.js';
import { postgresPool } from '../../stores/index.js';
import { decodeVectorSend } from '../../stores/postgres/vectors.js';
import { collectionDimension, countRows, detectLayout, listCollections } from '../../stores/langchain/tables.js';
import { CopyLangchainDatabase } from '../../stores/langchain/connection.js';
import { createSchemaSql, embeddingColumns, embeddingSelect, pageEnd } from '../../stores/langchain/sql.js';
import { collectionColumns, csvToParquet } from '../../datafiles/langchain-parquet.js';
import { encodeTextVectorRows } from '../../stores/langchain/copy-binary.js';
import { directLoad } from '../../activities/langchain/restore-direct.js';
import { isIntegrityError } from '../../stores/postgres/db.js';

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

/**
 * A fresh database: statements through `db`, bulk loads through `lc` — the embedded one
 * (PGlite's '/dev/blob'), or a new database on the run's real PostgreSQL (pg-copy-streams).
 */
async function withDatabase(
  kind: 'embedded' | 'postgres',
  fn: (db: Db, lc: CopyLangchainDatabase) => Promise<void>,
): Promise<void> {
  let stop: () => Promise<void>;
  let target: Parameters<typeof postgresPool>[0];
  let embedded: CopyRunner | null = null;
  if (kind === 'embedded') {
    const own = await startTestPglite();
    target = { kind: 'embedded', socketDir: own.embedded.socketDir };
    embedded = own.embedded;
    stop = () => own.stop();
  } else {
    const server = new URL((await provided('postgresUrl'))!);
    const admin = new Db(postgresPool({ kind: 'postgres', url: server.href }, 1));
    const name = `vf_lc_${process.pid}_${Date.now()}`;
    await admin.query(`CREATE DATABASE ${name}`);
    target = { kind: 'postgres', url: Object.assign(new URL(server.href), { pathname: `/${name}` }).href };
    stop = async () => {
      await admin.query(`DROP DATABASE ${name}`);
      await admin.close();
    };
  }
  const db = new Db(postgresPool(target, 1));
  const pool = postgresPool(target, 1);
  const lc = new CopyLangchainDatabase(pool, embedded ?? wireCopyRunner(pool));
  try {
    await fn(db, lc);
  } finally {
    await lc.close();
    await db.close();
    await stop();
  }
}

describe('binary COPY rows into the database', () => {
  it('loads text columns and vectors bit for bit: NULLs, non-ASCII, -0, the smallest subnormal, the largest float', async () => {
    await withDatabase('embedded', async (db, lc) => {
      await db.query('CREATE EXTENSION IF NOT EXISTS vector');
      await db.query('CREATE TABLE rows_in (k text, doc text, meta jsonb, u uuid, embedding vector)');
      const vectors = [Float32Array.of(1, -0, 1e-45), null, Float32Array.of(3.4028234663852886e38, Math.fround(0.1))];
      const rows = {
        texts: [
          ['a', 'é/€', 'c'],
          ['doc', null, ''],
          ['{"a": [1, "é"]}', null, '{}'],
          ['0F8FAD5B-D9CB-469F-A165-70867728950E', null, '7c9e6679-7425-40de-944b-e07fc1f90ae7'],
        ],
        vectors,
      };
      const n = await lc.load(
        [],
        'rows_in (k, doc, meta, u, embedding)',
        encodeTextVectorRows(rows, ['text', 'text', 'jsonb', 'uuid']),
        ['UPDATE rows_in SET k = k'],
        'binary',
      );
      assert.equal(n, 3);
      const back = await db.query<{
        k: string;
        doc: string | null;
        m: string | null;
        u: string | null;
        v: Buffer | null;
      }>('SELECT k, doc, meta::text AS m, u::text AS u, vector_send(embedding) AS v FROM rows_in ORDER BY k');
      assert.deepEqual(
        back.map((r) => [r.k, r.doc, r.m, r.u]),
        [
          ['a', 'doc', '{"a": [1, "é"]}', '0f8fad5b-d9cb-469f-a165-70867728950e'],
          ['c', '', '{}', '7c9e6679-7425-40de-944b-e07fc1f90ae7'],
          ['é/€', null, null, null],
        ],
      );
      const hex = (v: Float32Array | null) => (v ? Buffer.from(v.buffer).toString('hex') : null);
      assert.deepEqual(
        back.map((r) => (r.v ? hex(decodeVectorSend(r.v)) : null)),
        [hex(vectors[0]), hex(vectors[2]), null],
      );
    });
  });
  for (const kind of ['embedded', 'postgres'] as const)
    it(`loads a page straight into LangChain's tables (${kind}), both layouts; a key that exists is an integrity error (the restore then merges)`, async () => {
      await withDatabase(kind, async (db, lc) => {
        const coll = '11111111-2222-4333-8444-555555555555';
        const vectors = [Float32Array.of(0.5, -0), Float32Array.of(1e-45, 2)];
        for (const layout of ['langchain-postgres', 'langchain-community'] as const) {
          for (const sql of createSchemaSql(layout)) await db.query(sql);
          await db.query(`INSERT INTO langchain_pg_collection (uuid, name, cmetadata) VALUES ($1, 'c', '{}')`, [coll]);
          const load = directLoad(layout, layout, coll, 'jsonb')!;
          const keys =
            layout === 'langchain-postgres'
              ? [['doc-1', 'doc-2']]
              : [
                  ['0F8FAD5B-D9CB-469F-A165-70867728950E', '7c9e6679-7425-40de-944b-e07fc1f90ae7'],
                  ['custom-1', null],
                ];
          const rows = { texts: [...keys, ['one', null], ['{"k": "é"}', null]], vectors };
          await lc.load([], load.target, load.encode(rows)!, [], 'binary');
          const key = layout === 'langchain-postgres' ? 'id' : `uuid::text || '/' || coalesce(custom_id, '')`;
          const back = await db.query<Record<string, string | null>>(
            `SELECT ${key} AS k, collection_id::text AS c, document AS d, cmetadata::text AS m, vector_send(embedding) AS v
             FROM langchain_pg_embedding ORDER BY 1`,
          );
          assert.deepEqual(
            back.map((r) => [r.k, r.c, r.d, r.m]),
            layout === 'langchain-postgres'
              ? [
                  ['doc-1', coll, 'one', '{"k": "é"}'],
                  ['doc-2', coll, null, null],
                ]
              : [
                  ['0f8fad5b-d9cb-469f-a165-70867728950e/custom-1', coll, 'one', '{"k": "é"}'],
                  ['7c9e6679-7425-40de-944b-e07fc1f90ae7/', coll, null, null],
                ],
          );
          assert.deepEqual(
            back.map((r) => Buffer.from(decodeVectorSend(r.v as unknown as Buffer).buffer).toString('hex')),
            vectors.map((v) => Buffer.from(v.buffer).toString('hex')),
          );
          const again = await lc.load([], load.target, load.encode(rows)!, [], 'binary').then(
            () => null,
            (e: unknown) => e,
          );
          assert.ok(isIntegrityError(again), `a repeated key: ${String(again)}`);
          assert.equal(
            (await db.query('SELECT 1 FROM langchain_pg_embedding')).length,
            2,
            'the failed COPY left nothing',
          );
          await db.query('DROP TABLE langchain_pg_embedding, langchain_pg_collection');
        }
        // Keys the merge derives (not uuids) and moves between layouts are never loaded directly.
        const community = directLoad('langchain-community', 'langchain-community', coll, 'jsonb')!;
        assert.equal(community.encode({ texts: [['not-a-uuid'], [null], [null], [null]], vectors: [null] }), null);
        assert.equal(directLoad('langchain-postgres', 'langchain-community', coll, 'jsonb'), null);
      });
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
