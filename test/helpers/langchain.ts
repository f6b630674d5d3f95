import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../devstack/tools.js';
import type { Json } from './json.js';
import { provided } from './servers.js';
import type { TestStack } from './stack.js';

// LangChain's own Python PGVector code (test/python/langchain_pgvector.py) against a stack's
// embedded database, and snapshots of what LangChain's tables hold, for before/after comparisons.
const run = promisify(execFile);

export type PythonLayout = 'postgres' | 'community';

export async function langchain(...args: string[]): Promise<{ added?: number; answers?: number[][] }> {
  const python = (await provided('python'))!;
  const { stdout } = await run(python, [path.join(ROOT, 'test/python/langchain_pgvector.py'), ...args], {
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { added?: number; answers?: number[][] };
}

/** SQLAlchemy's URL of a stack's embedded database (its Unix socket). */
export const langchainUrl = (stack: TestStack) =>
  `postgresql+psycopg://postgres@/postgres?host=${path.resolve(stack.config.dataDir, 'run')}&port=5432`;

/** Every embedding row (key, collection name, document, cmetadata, vector bits), sorted. */
export async function embeddingRows(stack: TestStack, layout: PythonLayout): Promise<string[]> {
  const key = layout === 'postgres' ? 'e.id' : `e.uuid::text || '/' || coalesce(e.custom_id, '')`;
  const rows = await stack.sql(
    `SELECT ${key} AS k, c.name, e.document, e.cmetadata::text AS m, encode(vector_send(e.embedding), 'hex') AS v
       FROM langchain_pg_embedding e JOIN langchain_pg_collection c ON c.uuid = e.collection_id ORDER BY 1`,
  );
  return rows.map((r) => JSON.stringify(r));
}

/** The collections (uuid, name, cmetadata), sorted by name. */
export async function collectionRows(stack: TestStack): Promise<Json[]> {
  return stack.sql('SELECT uuid::text, name, cmetadata::text AS m FROM langchain_pg_collection ORDER BY name');
}

/** A team's own table beside LangChain's, with many column types (the seed's event_summaries). */
export async function createEventSummaries(stack: TestStack, rows: number): Promise<void> {
  await stack.sql(`CREATE TABLE event_summaries (
    id serial PRIMARY KEY, event_date date NOT NULL, country varchar(2), summary text, score double precision,
    weight real, n_docs integer, big bigint, amount numeric(12,3), created_at timestamptz, local_at timestamp,
    tags text[], meta jsonb, embedding vector(4), raw bytea, ok boolean, ref uuid)`);
  await stack.sql(
    `INSERT INTO event_summaries (event_date, country, summary, score, weight, n_docs, big, amount, created_at,
       local_at, tags, meta, embedding, raw, ok, ref)
     SELECT date '2024-11-01' + i, (ARRAY['NL','DE','FR'])[1 + i % 3], 'summary ' || i || E'\\n"quoted", comma', i / 3.0,
       (i / 7.0)::real, i, 9007199254740993 + i, i * 1.125, timestamptz '2024-11-06 19:45:00.123456+00' + i * interval '1 hour',
       timestamp '2024-11-06 19:45:00' + i * interval '1 minute', ARRAY['a' || i, 'b'], jsonb_build_object('i', i, 'x', 'y'),
       ('[' || i || ',0.1,-2.5,1e-7]')::vector, decode(lpad(to_hex(i), 4, '0'), 'hex'), i % 2 = 0,
       md5(i::text)::uuid
     FROM generate_series(1, ${rows}) i`,
  );
  // A row with NULLs and an empty string: told apart through CSV and Parquet.
  await stack.sql(`INSERT INTO event_summaries (event_date, summary, country) VALUES ('2025-01-01', '', NULL)`);
}

export async function eventSummaryRows(stack: TestStack): Promise<string[]> {
  const rows = await stack.sql(
    'SELECT id, event_date::text, country, summary, score::text, weight::text, n_docs, big::text, amount::text, created_at::text, local_at::text, tags::text, meta::text, embedding::text, encode(raw, $1) AS raw, ok, ref::text FROM event_summaries ORDER BY id',
    ['hex'],
  );
  return rows.map((r) => JSON.stringify(r));
}
