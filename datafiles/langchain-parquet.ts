import { randomUUID } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import type { TableColumn } from '../stores/langchain/sql.js';
import { duckdb, sqlString } from './duckdb.js';
import { type DuckDBDataChunk, DuckDBFloatVector, DuckDBListVector } from '@duckdb/node-api';
import { throughPipe } from './csv-pipe.js';
import { type WrittenFile, sha256File } from './parquet.js';

// LangChain backups between Postgres's CSV (COPY) and zstd Parquet, with DuckDB doing the
// conversion in bulk. Collection files hold the seed-004 scripts' columns — `id` (older layout:
// `uuid`, `custom_id`), `document`, `cmetadata` (JSON text), `embedding` in pgvector's text form
// `[0.1,0.2,…]` (Postgres prints each float32 as the shortest decimal that reads back the same),
// or with `float` a FLOAT list; extra tables keep every column with its type.
export type VectorFormat = 'text' | 'float';

/**
 * zstd at level 1, the seed scripts' own (pyarrow's default): DuckDB's default level 3 writes
 * these text vectors at half the rate for files no smaller. Small row groups keep DuckDB's
 * memory per file low.
 */
export const LANGCHAIN_PARQUET = 'FORMAT PARQUET, COMPRESSION ZSTD, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 2048';

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

/**
 * The columns of a collection file: text columns `keys`, document, cmetadata, then the vector —
 * with `text` as the database printed it (pgvector's `[0.1,0.2,…]`, each float32 the shortest
 * decimal that reads back the same, as the seed stores them); with `float` a FLOAT list parsed
 * from that text (exact: the shortest decimal reads back as the same float32).
 */
export function collectionColumns(keys: string[], vectors: VectorFormat): FileColumn[] {
  return [
    ...[...keys, 'document', 'cmetadata'].map((name) => ({ name, duck: 'VARCHAR' })),
    { name: 'embedding', duck: vectors === 'text' ? 'VARCHAR' : 'FLOAT[]' },
  ];
}

/**
 * Converts headerless Postgres CSV of `columns` (in order, as COPY wrote it), streamed in
 * chunks, to a zstd Parquet file: DuckDB converts while the chunks are still being produced
 * (through a named pipe). The file appears (by rename) only when complete.
 */
export async function csvToParquet(
  csv: AsyncIterable<Buffer>,
  columns: FileColumn[],
  file: string,
  metadata: Record<string, string>,
): Promise<WrittenFile> {
  const con = await duckdb();
  const tmp = `${file}.${randomUUID().slice(0, 8)}.tmp`;
  try {
    const types = columns.map((c) => `${sqlString(c.name)}: 'VARCHAR'`).join(', ');
    const select = columns
      .map((c) => `${c.cast ? c.cast(q(c.name)) : `CAST(${q(c.name)} AS ${c.duck})`} AS ${q(c.name)}`)
      .join(', ');
    const kv = Object.entries(metadata)
      .map(([k, v]) => `${k}: ${sqlString(v)}`)
      .join(', ');
    await throughPipe(csv, (pipe) => {
      const source = `read_csv(${sqlString(pipe)}, columns = {${types}}, header = false, delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, auto_detect = false, max_line_size = 4194304, buffer_size = 8388608)`;
      return con.run(
        `COPY (SELECT ${select} FROM ${source}) TO ${sqlString(tmp)} (${LANGCHAIN_PARQUET}${kv ? `, KV_METADATA {${kv}}` : ''})`,
      );
    });
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
 * A Parquet file's rows as `select`, from row `offset` on, in column-major pages of `pageRows`
 * rows, in file order (a resumed read continues exactly where a checkpoint said). Each page is
 * one query over a row-number range, and the next page is read (on DuckDB's threads) while the
 * caller writes the current one.
 */
export async function* parquetPages(
  file: string,
  select: string[],
  offset: number,
  pageRows: number,
): AsyncGenerator<{ columns: unknown[][]; rows: number }> {
  const con = await duckdb();
  const read = (from: number) =>
    con.run(
      `SELECT ${select.join(', ')} FROM read_parquet(${sqlString(file)}, file_row_number = true)
        WHERE file_row_number >= ${from} AND file_row_number < ${from + pageRows}`,
    );
  let from = Math.max(0, Math.floor(offset));
  let pending: ReturnType<typeof read> | null = read(from);
  try {
    while (pending) {
      const result = await pending;
      const page: unknown[][] = select.map(() => []);
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk())
        for (let c = 0; c < select.length; c++) page[c].push(...columnValues(chunk, c));
      const rows = page[0].length;
      from += rows;
      pending = rows < pageRows ? null : read(from);
      if (rows) yield { columns: page, rows };
    }
  } finally {
    await pending?.catch(() => undefined);
    con.closeSync();
  }
}

/**
 * A chunk's column as JS values; FLOAT lists as Float32Arrays copied straight from DuckDB's
 * vector (building a JS number per float cost most of a restore's time).
 */
function columnValues(chunk: DuckDBDataChunk, c: number): unknown[] {
  const vector = chunk.getColumnVector(c);
  if (!(vector instanceof DuckDBListVector) || !(vector.childVector instanceof DuckDBFloatVector))
    return chunk.getColumnValues(c);
  const floats = (vector.childVector as unknown as { items: Float32Array }).items;
  const out: (Float32Array | null)[] = [];
  for (let i = 0; i < chunk.rowCount; i++) {
    const length = vector.getEntryLength(i);
    const start = vector.getEntryOffset(i);
    out.push(length === 0 ? null : floats.slice(start, start + length));
  }
  return out;
}

/** Column-major text values as Postgres CSV. */
export function toCsv(columns: unknown[][]): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < (columns[0]?.length ?? 0); i++)
    lines.push(columns.map((c) => csvField(c[i] as string | null)).join(','));
  return Buffer.from(lines.join('\n') + '\n');
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
