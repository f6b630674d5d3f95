import { ValidationError } from '../../core/errors.js';
import type { TableColumn } from '../../core/langchain-backup.js';
import { itemText } from '../../core/items.js';
import { asText } from '../../datafiles/langchain-parquet.js';
import type { FileLayout } from './restore-plan.js';

// How a backup file's columns become the staged text columns of a restore into LangChain's
// tables, and the Postgres type of a Parquet column for a table that must be created.

/**
 * The staged columns and the DuckDB text expressions filling them, for a collection file: the
 * seed's/LangChain's columns (`id`, or `uuid`/`id` + `custom_id`), or a vecflow file (document
 * from `page_content`, else the collection's text as vecflow embeds it; cmetadata = the payload
 * without `page_content`).
 */
export function fileSelect(
  columns: { name: string; type: string }[],
  layout: FileLayout,
  textFields: string[] | undefined,
): { staged: string[]; select: string[]; map?: (row: (string | null)[]) => (string | null)[] } {
  const has = (n: string) => columns.find((c) => c.name === n);
  const text = (n: string) => {
    const c = has(n);
    return c ? asText(c.name, c.type) : 'NULL';
  };
  if (layout === 'vecflow') {
    // id, payload, vector → id, document, cmetadata, embedding
    const map = ([id, payload, vector]: (string | null)[]) => {
      const { page_content: content, ...metadata } = JSON.parse(payload ?? '{}') as Record<string, unknown>;
      const document = typeof content === 'string' ? content : itemText(metadata, { text_fields: textFields }) || null;
      return [id, document, JSON.stringify(metadata), vector];
    };
    return {
      staged: ['id', 'document', 'cmetadata', 'embedding'],
      select: ['CAST(id AS VARCHAR)', 'CAST(payload AS VARCHAR)', 'CAST(vector AS VARCHAR)'],
      map,
    };
  }
  if (!has('embedding')) throw new ValidationError('a collection file without an embedding column');
  const rest = [text('document'), text('cmetadata'), text('embedding')];
  if (has('custom_id') && (has('uuid') || has('id')))
    return {
      staged: ['uuid', 'custom_id', 'document', 'cmetadata', 'embedding'],
      select: [text(has('uuid') ? 'uuid' : 'id'), text('custom_id'), ...rest],
    };
  if (has('id')) return { staged: ['id', 'document', 'cmetadata', 'embedding'], select: [text('id'), ...rest] };
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
