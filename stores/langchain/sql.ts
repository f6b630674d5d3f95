import pg from 'pg';
import type { TableColumn } from '../../core/langchain-backup.js';
import { PLAIN_MAX_DIM } from '../postgres/bulk.js';
import { type Db, quoteIdent } from '../postgres/db.js';
import { COLLECTION_TABLE, EMBEDDING_TABLE, type LangchainLayout } from './tables.js';
import { UUID_TEXT } from '../../core/point-id.js';

// The SQL of a LangChain backup and restore: what COPY reads out (text columns only, so the CSV
// holds each value in Postgres's own text form) and how a staged CSV is merged back. COPY takes
// no parameters: every literal here goes through pg's escapeLiteral, every name through quoteIdent.
const lit = (s: string) => pg.escapeLiteral(s);

export function uuidLiteral(uuid: string): string {
  if (!UUID_TEXT.test(uuid)) throw new Error(`not a uuid: ${JSON.stringify(uuid)}`);
  return `${lit(uuid)}::uuid`;
}

const keyOf = (layout: LangchainLayout) => (layout === 'langchain-postgres' ? 'id' : 'uuid');
const keyCast = (layout: LangchainLayout) => (layout === 'langchain-postgres' ? 'varchar' : 'uuid');

/** The columns of a collection file, in order (see datafiles/langchain-parquet.ts). */
export function embeddingColumns(layout: LangchainLayout): string[] {
  return layout === 'langchain-postgres'
    ? ['id', 'document', 'cmetadata', 'embedding']
    : ['uuid', 'custom_id', 'document', 'cmetadata', 'embedding'];
}

/**
 * The key that ends a page of `limit` rows after `after` (null: fewer rows are left). Pages are
 * key ranges: each one indexed read, and a retried page reads the same rows.
 */
export async function pageEnd(
  db: Db,
  layout: LangchainLayout,
  collectionUuid: string,
  after: string | null,
  limit: number,
): Promise<string | null> {
  const key = keyOf(layout);
  const [row] = await db.query<{ k: string }>(
    `SELECT ${key}::text AS k FROM ${EMBEDDING_TABLE}
      WHERE collection_id = $1::uuid AND ($2::text IS NULL OR ${key} > $2::${keyCast(layout)})
      ORDER BY ${key} OFFSET $3 LIMIT 1`,
    [collectionUuid, after, Math.max(0, Math.floor(limit) - 1)],
  );
  return row?.k ?? null;
}

/** A collection's greatest key (null when it has no rows). */
export async function lastKey(db: Db, layout: LangchainLayout, collectionUuid: string): Promise<string | null> {
  const key = keyOf(layout);
  const [row] = await db.query<{ k: string }>(
    `SELECT ${key}::text AS k FROM ${EMBEDDING_TABLE} WHERE collection_id = $1::uuid ORDER BY ${key} DESC LIMIT 1`,
    [collectionUuid],
  );
  return row?.k ?? null;
}

/** A collection's rows with keys in (after, upTo], in key order, as COPY reads them. */
export function embeddingSelect(
  layout: LangchainLayout,
  collectionUuid: string,
  after: string | null,
  upTo: string | null,
): string {
  const key = keyOf(layout);
  const cast = keyCast(layout);
  const keys = layout === 'langchain-postgres' ? 'id' : 'uuid::text, custom_id';
  const where = [`collection_id = ${uuidLiteral(collectionUuid)}`];
  if (after !== null) where.push(`${key} > ${lit(after)}::${cast}`);
  if (upTo !== null) where.push(`${key} <= ${lit(upTo)}::${cast}`);
  // Read as CSV, where the vector is printed in pgvector's text form.
  return `SELECT ${keys}, document, cmetadata::text, embedding FROM ${EMBEDDING_TABLE} WHERE ${where.join(' AND ')} ORDER BY ${key}`;
}

export type { TableColumn };

/** A table's columns in order, and its primary key; null when there is no such table. */
export async function describeTable(
  db: Db,
  table: string,
): Promise<{ columns: TableColumn[]; primary_key: string[] } | null> {
  const columns = await db.query<TableColumn>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typname AS udt, NOT a.attnotnull AS nullable
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [quoteIdent(table)],
  );
  if (columns.length === 0) return null;
  const pk = await db.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
    [quoteIdent(table)],
  );
  return { columns, primary_key: pk.map((r) => r.name) };
}

/** A whole table as COPY reads it: every value in its text form (bytea as hex). */
export function tableSelect(table: string, columns: TableColumn[]): string {
  const list = columns.map((c) =>
    c.udt === 'bytea' ? `encode(${quoteIdent(c.name)}, 'hex')` : `${quoteIdent(c.name)}::text`,
  );
  return `SELECT ${list.join(', ')} FROM ${quoteIdent(table)}`;
}

/** LangChain's own tables (as its SQLAlchemy models create them), for a database that has none. */
export function createSchemaSql(layout: LangchainLayout): string[] {
  const embedding =
    layout === 'langchain-postgres'
      ? `id VARCHAR PRIMARY KEY, collection_id UUID REFERENCES ${COLLECTION_TABLE} (uuid) ON DELETE CASCADE,
         embedding VECTOR, document VARCHAR, cmetadata JSONB`
      : `collection_id UUID REFERENCES ${COLLECTION_TABLE} (uuid) ON DELETE CASCADE, embedding VECTOR,
         document VARCHAR, cmetadata JSONB, custom_id VARCHAR, uuid UUID PRIMARY KEY`;
  const collection =
    layout === 'langchain-postgres'
      ? 'uuid UUID PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, cmetadata JSON'
      : 'name VARCHAR, cmetadata JSON, uuid UUID PRIMARY KEY';
  return [
    'CREATE EXTENSION IF NOT EXISTS vector',
    `CREATE TABLE IF NOT EXISTS ${COLLECTION_TABLE} (${collection})`,
    `CREATE TABLE IF NOT EXISTS ${EMBEDDING_TABLE} (${embedding})`,
    `CREATE INDEX IF NOT EXISTS ix_cmetadata_gin ON ${EMBEDDING_TABLE} USING gin (cmetadata jsonb_path_ops)`,
  ];
}

export const STAGE = 'vf_langchain_stage';

/**
 * The temporary table rows are loaded into (text columns, then an `embedding` vector of
 * `dimension` if asked), dropped at commit. Vectors that fit a page stay inline (STORAGE PLAIN)
 * instead of being compressed and sent out to TOAST on the way in, only to be read back.
 */
export const stageSql = (columns: string[], dimension: number | null): string[] => [
  `CREATE TEMP TABLE ${STAGE} (${[...columns.map((c) => `${quoteIdent(c)} text`), ...(dimension !== null ? ['embedding vector'] : [])].join(', ')}) ON COMMIT DROP`,
  ...(dimension !== null && dimension <= PLAIN_MAX_DIM
    ? [`ALTER TABLE ${STAGE} ALTER COLUMN embedding SET STORAGE PLAIN`]
    : []),
];

/**
 * Merges staged rows of a collection file (`from` layout) into the embedding table (`to`
 * layout): upsert by key, so a restore run twice gives the same table. Moving between layouts,
 * an id becomes custom_id with a uuid derived from it (the id itself when it is one).
 */
export function mergeEmbeddingsSql(
  from: LangchainLayout,
  to: LangchainLayout,
  collectionUuid: string,
  metadataType: string,
): string {
  const coll = uuidLiteral(collectionUuid);
  const common = `${coll}, embedding, document, cmetadata::${metadataType}`;
  if (to === 'langchain-postgres') {
    const id = from === 'langchain-postgres' ? 'id' : 'coalesce(custom_id, uuid)';
    return `INSERT INTO ${EMBEDDING_TABLE} AS t (id, collection_id, embedding, document, cmetadata)
      SELECT DISTINCT ON (1) ${id}, ${common} FROM ${STAGE} ORDER BY 1
      ON CONFLICT (id) DO UPDATE SET collection_id = EXCLUDED.collection_id, embedding = EXCLUDED.embedding,
        document = EXCLUDED.document, cmetadata = EXCLUDED.cmetadata`;
  }
  const [uuid, custom] =
    from === 'langchain-community'
      ? [
          `CASE WHEN uuid ~* ${lit(UUID_TEXT.source)} THEN uuid::uuid ELSE md5(${coll}::text || coalesce(custom_id, uuid))::uuid END`,
          'custom_id',
        ]
      : [`CASE WHEN id ~* ${lit(UUID_TEXT.source)} THEN id::uuid ELSE md5(${coll}::text || id)::uuid END`, 'id'];
  return `INSERT INTO ${EMBEDDING_TABLE} AS t (uuid, custom_id, collection_id, embedding, document, cmetadata)
    SELECT DISTINCT ON (1) ${uuid}, ${custom}, ${common} FROM ${STAGE} ORDER BY 1
    ON CONFLICT (uuid) DO UPDATE SET custom_id = EXCLUDED.custom_id, collection_id = EXCLUDED.collection_id,
      embedding = EXCLUDED.embedding, document = EXCLUDED.document, cmetadata = EXCLUDED.cmetadata`;
}

/** Merges staged rows into an extra table: by primary key when it has one, else appended. */
export function mergeTableSql(
  table: string,
  staged: string[],
  target: { columns: TableColumn[]; primary_key: string[] },
): string {
  const byName = new Map(target.columns.map((c) => [c.name, c]));
  const cols = staged.filter((c) => byName.has(c));
  const values = cols.map((c) => {
    const col = byName.get(c)!;
    return col.udt === 'bytea' ? `decode(${quoteIdent(c)}, 'hex')` : `${quoteIdent(c)}::${col.type}`;
  });
  const pk = target.primary_key;
  const update = cols.filter((c) => !pk.includes(c)).map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`);
  const conflict =
    pk.length && pk.every((c) => cols.includes(c))
      ? ` ON CONFLICT (${pk.map(quoteIdent).join(', ')}) DO ${update.length ? `UPDATE SET ${update.join(', ')}` : 'NOTHING'}`
      : '';
  return `INSERT INTO ${quoteIdent(table)} (${cols.map(quoteIdent).join(', ')}) SELECT ${values.join(', ')} FROM ${STAGE}${conflict}`;
}

/** CREATE TABLE for an extra table missing from the target, with its columns and primary key. */
export function createTableSql(table: string, columns: TableColumn[], primaryKey: string[]): string {
  const defs = columns.map((c) => `${quoteIdent(c.name)} ${c.type}${c.nullable ? '' : ' NOT NULL'}`);
  if (primaryKey.length) defs.push(`PRIMARY KEY (${primaryKey.map(quoteIdent).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table)} (${defs.join(', ')})`;
}
