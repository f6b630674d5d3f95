import type { Db } from '../postgres/db.js';

// LangChain's PGVector tables in a Postgres database, as the seed-004 team has them:
// langchain_pg_collection (uuid, name, cmetadata) and langchain_pg_embedding, in one of the two
// layouts LangChain has used. Read-only here; the layout is told by the columns, never assumed.
export type LangchainLayout = 'langchain-postgres' | 'langchain-community';

export const COLLECTION_TABLE = 'langchain_pg_collection';
export const EMBEDDING_TABLE = 'langchain_pg_embedding';

export interface LangchainCollection {
  uuid: string;
  name: string;
  /** The collection's cmetadata as JSON text (null when unset). */
  cmetadata: string | null;
}

/**
 * `langchain-postgres` (langchain_postgres.vectorstores.PGVector): `id` varchar primary key.
 * `langchain-community` (langchain_community.vectorstores.PGVector): `uuid` primary key plus a
 * nullable `custom_id`. Null when the database has no LangChain tables.
 */
export async function detectLayout(db: Db): Promise<LangchainLayout | null> {
  const rows = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
      WHERE table_name = $1 AND table_schema = ANY (current_schemas(false))`,
    [EMBEDDING_TABLE],
  );
  const columns = new Set(rows.map((r) => r.column_name));
  if (columns.size === 0) return null;
  for (const needed of ['collection_id', 'embedding', 'document', 'cmetadata'])
    if (!columns.has(needed))
      throw new Error(`${EMBEDDING_TABLE} has no ${needed} column: not a LangChain PGVector table`);
  if (columns.has('uuid') && columns.has('custom_id')) return 'langchain-community';
  if (columns.has('id')) return 'langchain-postgres';
  throw new Error(`${EMBEDDING_TABLE} has neither an id column nor uuid + custom_id: an unknown LangChain layout`);
}

/** Every row of langchain_pg_collection, by name. */
export async function listCollections(db: Db): Promise<LangchainCollection[]> {
  return db.query<LangchainCollection>(
    `SELECT uuid::text AS uuid, name, cmetadata::text AS cmetadata FROM ${COLLECTION_TABLE} ORDER BY name`,
  );
}

/** A collection's vector dimension: its first vector's, else the column's declared one; null when neither is known. */
export async function collectionDimension(db: Db, collectionUuid: string): Promise<number | null> {
  const [first] = await db.query<{ dim: number }>(
    `SELECT vector_dims(embedding) AS dim FROM ${EMBEDDING_TABLE}
      WHERE collection_id = $1::uuid AND embedding IS NOT NULL LIMIT 1`,
    [collectionUuid],
  );
  if (first) return first.dim;
  const [declared] = await db.query<{ typmod: number }>(
    `SELECT atttypmod AS typmod FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'embedding'`,
    [EMBEDDING_TABLE],
  );
  return declared && declared.typmod > 0 ? declared.typmod : null;
}

export async function countRows(db: Db, collectionUuid: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${EMBEDDING_TABLE} WHERE collection_id = $1::uuid`,
    [collectionUuid],
  );
  return row.n;
}
