import { ValidationError } from '../../core/errors.js';
import type { TableColumn } from '../../core/langchain-backup.js';
import { itemText } from '../../core/items.js';
import { asText } from '../../datafiles/langchain-parquet.js';
import type { FileLayout } from './restore-plan.js';

// How a backup file's columns become the staged text columns of a restore into LangChain's
// tables, and the Postgres type of a Parquet column for a table that must be created.

/** How the rows of a collection file become staged rows (text columns, then the vector). */
export interface CollectionRead {
  /** Names of the staged text columns (`id`, or `uuid` + `custom_id`; then document, cmetadata). */
  staged: string[];
  /** DuckDB expressions read from the file. */
  select: string[];
  /** From a row of `select`'s values to the staged texts and the vector (FLOAT list items). */
  row: (values: unknown[]) => { texts: (string | null)[]; vector: Float32Array | null };
}

/** A FLOAT list as parquetPages gives it (a Float32Array), or as DuckDB's generic value. */
const items = (v: unknown): Float32Array | null =>
  v === null || v === undefined
    ? null
    : v instanceof Float32Array
      ? v
      : Float32Array.from((v as { items: number[] }).items);

/**
 * A collection file: the seed's/LangChain's columns (`id`, or `uuid`/`id` + `custom_id`), or a
 * vecflow file (document from `page_content`, else the collection's text as vecflow embeds it;
 * cmetadata = the payload without `page_content`).
 */
export function collectionRead(
  columns: { name: string; type: string }[],
  layout: FileLayout,
  textFields: string[] | undefined,
): CollectionRead {
  const has = (n: string) => columns.find((c) => c.name === n);
  const text = (n: string) => {
    const c = has(n);
    return c ? asText(c.name, c.type) : 'NULL';
  };
  if (layout === 'vecflow')
    return {
      staged: ['id', 'document', 'cmetadata'],
      select: ['CAST(id AS VARCHAR)', 'CAST(payload AS VARCHAR)', 'CAST(vector AS FLOAT[])'],
      row: ([id, payload, vector]) => {
        const { page_content: content, ...metadata } = JSON.parse((payload as string | null) ?? '{}') as Record<
          string,
          unknown
        >;
        const document =
          typeof content === 'string' ? content : itemText(metadata, { text_fields: textFields }) || null;
        return { texts: [id as string, document, JSON.stringify(metadata)], vector: items(vector) };
      },
    };
  if (!has('embedding')) throw new ValidationError('a collection file without an embedding column');
  const rest = [text('document'), text('cmetadata'), 'CAST(embedding AS FLOAT[])'];
  const row = (values: unknown[]) => ({
    texts: values.slice(0, -1) as (string | null)[],
    vector: items(values.at(-1)),
  });
  if (has('custom_id') && (has('uuid') || has('id')))
    return {
      staged: ['uuid', 'custom_id', 'document', 'cmetadata'],
      select: [text(has('uuid') ? 'uuid' : 'id'), text('custom_id'), ...rest],
      row,
    };
  if (has('id')) return { staged: ['id', 'document', 'cmetadata'], select: [text('id'), ...rest], row };
  throw new ValidationError('a collection file without an id (or uuid and custom_id) column');
}

/** The Postgres column for a Parquet column of a table the target database lacks. */
export function pgTypeOfParquet(name: string, type: string): TableColumn {
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  const pg: Record<string, [string, string]> = {
    BIGINT: ['bigint', 'int8'],
    INTEGER: ['integer', 'int4'],
    SMALLINT: ['smallint', 'int2'],
    DOUBLE: ['double precision', 'float8'],
    FLOAT: ['real', 'float4'],
    BOOLEAN: ['boolean', 'bool'],
    DATE: ['date', 'date'],
    TIMESTAMP: ['timestamp without time zone', 'timestamp'],
    'TIMESTAMP WITH TIME ZONE': ['timestamp with time zone', 'timestamptz'],
    UUID: ['uuid', 'uuid'],
    BLOB: ['bytea', 'bytea'],
    'FLOAT[]': ['vector', 'vector'],
  };
  const [pgType, udt] = decimal ? [`numeric(${decimal[1]},${decimal[2]})`, 'numeric'] : (pg[type] ?? ['text', 'text']);
  return { name, type: pgType, udt, nullable: true };
}
