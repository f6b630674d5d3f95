import { FLOAT, LIST, VARCHAR, type DuckDBValue, listValue } from '@duckdb/node-api';
import type { LangchainLayout, LangchainRow } from '../stores/langchain/tables.js';
import { type ParquetColumn, type WrittenFile, writeParquetColumns } from './parquet.js';

// A LangChain collection's rows in the seed-004 scripts' Parquet columns: `id` (older layout:
// `uuid` and a nullable `custom_id`), `document`, `cmetadata` (JSON text) and `embedding` in
// pgvector's text form `[0.1,0.2,…]` as the seed stores it (each number the shortest decimal that
// reads back as the same float32), or with `float` as a list of FLOATs.
export type VectorFormat = 'text' | 'float';

const text = (name: string): ParquetColumn => ({ name, type: VARCHAR, sql: 'VARCHAR' });

export function langchainColumns(layout: LangchainLayout, vectors: VectorFormat): ParquetColumn[] {
  const keys = layout === 'langchain-postgres' ? [text('id')] : [text('uuid'), text('custom_id')];
  const embedding: ParquetColumn =
    vectors === 'text' ? text('embedding') : { name: 'embedding', type: LIST(FLOAT), sql: 'FLOAT[]' };
  return [...keys, text('document'), text('cmetadata'), embedding];
}

function columnsOf(rows: LangchainRow[], layout: LangchainLayout, vectors: VectorFormat): DuckDBValue[][] {
  const keys: DuckDBValue[][] =
    layout === 'langchain-postgres'
      ? [rows.map((r) => r.id ?? null)]
      : [rows.map((r) => r.uuid ?? null), rows.map((r) => r.custom_id ?? null)];
  const embedding = rows.map((r) =>
    r.embedding === null || vectors === 'text' ? r.embedding : listValue(JSON.parse(r.embedding) as number[]),
  );
  return [...keys, rows.map((r) => r.document), rows.map((r) => r.cmetadata), embedding];
}

/** Writes one collection file (or part) from pages of rows; the file appears only when complete. */
export function writeLangchainPart(
  file: string,
  layout: LangchainLayout,
  vectors: VectorFormat,
  pages: AsyncIterable<LangchainRow[]>,
  metadata: Record<string, string>,
): Promise<WrittenFile> {
  async function* chunks(): AsyncIterable<DuckDBValue[][]> {
    for await (const page of pages)
      for (let s = 0; s < page.length; s += 2048) yield columnsOf(page.slice(s, s + 2048), layout, vectors);
  }
  return writeParquetColumns(file, langchainColumns(layout, vectors), chunks(), metadata);
}
