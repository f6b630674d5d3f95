import { rename, rm, stat } from 'node:fs/promises';
import type { TableColumn } from '../stores/langchain/sql.js';
import { duckdb, sqlString } from './duckdb.js';
import { type WrittenFile, sha256File } from './parquet.js';

// LangChain backups between Postgres's CSV (COPY) and zstd Parquet, with DuckDB doing the
// conversion in bulk. Collection files hold the seed-004 scripts' columns — `id` (older layout:
// `uuid`, `custom_id`), `document`, `cmetadata` (JSON text), `embedding` in pgvector's text form
// `[0.1,0.2,…]` (Postgres prints each float32 as the shortest decimal that reads back the same),
// or with `float` a FLOAT list; extra tables keep every column with its type.
export type VectorFormat = 'text' | 'float';

export interface FileColumn {
  name: string;
  /** DuckDB type of the Parquet column. */
  duck: string;
  /** How the CSV text becomes it (`x` is the column). */
  cast?: (x: string) => string;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The Parquet column of a Postgres column: the same type where DuckDB has it, else its text. */
export function fileColumnOf(c: TableColumn): FileColumn {
  const numeric = /^numeric\((\d+),(\d+)\)$/.exec(c.type);
  const duck =
    {
      int2: 'SMALLINT',
      int4: 'INTEGER',
      int8: 'BIGINT',
      float4: 'FLOAT',
      float8: 'DOUBLE',
      bool: 'BOOLEAN',
      date: 'DATE',
      timestamp: 'TIMESTAMP',
      timestamptz: 'TIMESTAMPTZ',
      time: 'TIME',
      uuid: 'UUID',
      bytea: 'BLOB',
    }[c.udt] ?? (numeric && Number(numeric[1]) <= 38 ? `DECIMAL(${numeric[1]},${numeric[2]})` : 'VARCHAR');
  if (duck === 'BLOB') return { name: c.name, duck, cast: (x) => `from_hex(${x})` };
  return { name: c.name, duck };
}

export function collectionFileColumns(keys: string[], vectors: VectorFormat): FileColumn[] {
  return [
    ...keys.map((name) => ({ name, duck: 'VARCHAR' })),
    { name: 'document', duck: 'VARCHAR' },
    { name: 'cmetadata', duck: 'VARCHAR' },
    { name: 'embedding', duck: vectors === 'text' ? 'VARCHAR' : 'FLOAT[]' },
  ];
}

/**
 * Converts a headerless Postgres CSV of `columns` (in order, as COPY wrote them) to a zstd
 * Parquet file; the file appears (by rename) only when complete.
 */
export async function csvToParquet(
  csv: string,
  columns: FileColumn[],
  file: string,
  metadata: Record<string, string>,
): Promise<WrittenFile> {
  const con = await duckdb();
  const tmp = `${file}.tmp`;
  try {
    const types = columns.map((c) => `${sqlString(c.name)}: 'VARCHAR'`).join(', ');
    const select = columns
      .map((c) => `${c.cast ? c.cast(q(c.name)) : `CAST(${q(c.name)} AS ${c.duck})`} AS ${q(c.name)}`)
      .join(', ');
    const source = `read_csv(${sqlString(csv)}, columns = {${types}}, header = false, delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, auto_detect = false, max_line_size = 8388608)`;
    const kv = Object.entries(metadata)
      .map(([k, v]) => `${k}: ${sqlString(v)}`)
      .join(', ');
    await con.run(
      `COPY (SELECT ${select} FROM ${source}) TO ${sqlString(tmp)} (FORMAT PARQUET, COMPRESSION ZSTD${kv ? `, KV_METADATA {${kv}}` : ''})`,
    );
    const counted = await con.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata(${sqlString(tmp)})`);
    const rows = Number(counted.getRowObjects().reduce((n, r) => n + Number(r.num_rows), 0));
    await rename(tmp, file);
    return { rows, bytes: (await stat(file)).size, sha256: await sha256File(file) };
  } finally {
    con.closeSync();
    await rm(tmp, { force: true });
  }
}

/** A Parquet file's columns and their DuckDB types. */
export async function parquetColumns(file: string): Promise<{ name: string; type: string }[]> {
  const con = await duckdb();
  try {
    const reader = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
    return reader.getRowObjectsJson().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  } finally {
    con.closeSync();
  }
}

/** A CSV field as Postgres reads it: NULL unquoted empty, everything else quoted when it must be. */
function csvField(v: string | null): string {
  if (v === null) return '';
  return v === '' || v === '\\.' || /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** How a Parquet column is read back as Postgres input text. */
export function asText(name: string, type: string): string {
  if (type === 'BLOB') return `hex(${q(name)})`;
  if (type.startsWith('STRUCT') || type.startsWith('MAP') || type === 'JSON') return `to_json(${q(name)})::VARCHAR`;
  return `CAST(${q(name)} AS VARCHAR)`;
}

/**
 * A Parquet file's rows as `select` (text expressions), from row `offset` on, in pages of
 * Postgres CSV of `pageRows` rows (in file order, so a resumed read continues exactly where a
 * checkpoint said).
 */
export async function* parquetCsvPages(
  file: string,
  select: string[],
  offset: number,
  pageRows: number,
  /** Turns a row of `select`'s values into the staged columns (default: as they are). */
  map?: (row: (string | null)[]) => (string | null)[],
): AsyncGenerator<{ csv: Buffer; rows: number }> {
  const con = await duckdb();
  try {
    const list = select.join(', ');
    const result = await con.stream(
      `SELECT ${list} FROM read_parquet(${sqlString(file)}) LIMIT 9223372036854775807 OFFSET ${Math.max(0, Math.floor(offset))}`,
    );
    let lines: string[] = [];
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const cols = chunk.getColumns() as (string | null)[][];
      for (let i = 0; i < chunk.rowCount; i++) {
        const row = cols.map((c) => c[i]);
        lines.push((map ? map(row) : row).map(csvField).join(','));
        if (lines.length >= pageRows) {
          yield { csv: Buffer.from(lines.join('\n') + '\n'), rows: lines.length };
          lines = [];
        }
      }
    }
    if (lines.length) yield { csv: Buffer.from(lines.join('\n') + '\n'), rows: lines.length };
  } finally {
    con.closeSync();
  }
}

/** The length of the first non-null vector in a file's `column` (text or list), null when none. */
export async function vectorDimension(file: string, column: string): Promise<number | null> {
  const con = await duckdb();
  try {
    const r = await con.runAndReadAll(
      `SELECT len(CAST(${q(column)} AS FLOAT[])) AS n FROM read_parquet(${sqlString(file)}) WHERE ${q(column)} IS NOT NULL LIMIT 1`,
    );
    const n = r.getRowObjects()[0]?.n;
    return n === undefined || n === null ? null : Number(n);
  } finally {
    con.closeSync();
  }
}
