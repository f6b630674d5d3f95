import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdb, sqlString } from './duckdb.js';
import { IdCollector, findDuplicates } from './duplicates.js';
import { type Cursor, type ImportFormat, type ReadRow, csvHeader, csvRows, jsonlRows, lineRows } from './readers.js';
import { PARSED_VECTOR, normalizedTable, tableRows } from './table-rows.js';
import { parsedRow, writeParsedRows } from './import-table.js';
import { jsonArrayLines } from './json-array.js';
import { type ImportLimits, assertParquetWithin } from './parquet-limits.js';
import { RowError, rowToPoint } from './rows.js';

// An import source: the uploaded file, planned once before any row is written. Planning counts
// the rows (for progress), finds ids repeated within the file (the first occurrence wins, the
// others are reported) and the vector dimension of the first valid row (for a new dataset).
// Parquet (and well-formed CSV) is normalized by DuckDB into a row-numbered Parquet file, which
// chunks then read by row range; JSON Lines, and a JSON array split into lines as it streams
// (json-array.ts), are parsed once here into such a table (import-table.ts); a malformed CSV is
// read in place, from byte offsets.
export type SourceFormat = ImportFormat | 'dead-letter';

export interface SourcePlan {
  format: SourceFormat;
  /** What chunks read: the upload itself, or its normalized table. */
  file: string;
  table: boolean;
  header: string[] | null;
  /** Errors name `line` (JSONL) or `row` (the others). */
  indexName: 'row' | 'line';
  total: number;
  duplicates: number;
  duplicatesFile: string | null;
  /** Vector dimension of the first valid row; null when no row has a vector. */
  dimension: number | null;
}

const DUPLICATES = 'duplicates.parquet';
const NORMALIZED = 'rows.parquet';
const PARSED = 'parsed.parquet';

/** Reads the rows of a planned source from a cursor (the start, or a chunk's checkpoint). */
export function readSource(plan: SourcePlan, from: Cursor, limit?: number): AsyncGenerator<ReadRow> {
  if (plan.table) return tableRows(plan.file, from, limit);
  if (plan.format === 'csv') return csvRows(plan.file, plan.header ?? [], from);
  if (plan.format === 'dead-letter') return deadLetterRows(plan.file, from);
  return jsonlRows(plan.file, from, plan.indexName);
}

/** A dead-letter file (JSONL of {row|line, error, data}) read back as its rows, under their original numbers. */
async function* deadLetterRows(file: string, from: Cursor): AsyncGenerator<ReadRow> {
  for await (const r of jsonlRows(file, from)) {
    if ('error' in r) {
      yield r;
      continue;
    }
    const rec = r.row as { row?: number; line?: number; data?: unknown };
    const index = rec.row ?? rec.line ?? r.index;
    if (typeof rec.data === 'string') {
      try {
        yield { index, row: JSON.parse(rec.data), next: r.next };
      } catch (err) {
        yield { index, error: `Invalid JSON: ${(err as Error).message}`, data: rec.data, next: r.next };
      }
    } else yield { index, row: rec.data as Record<string, unknown>, next: r.next };
  }
}

function dimensionOf(row: Record<string, unknown>): number | null {
  try {
    return rowToPoint(row, null, 0n, { allowContentOnly: true }).vector.length || null;
  } catch (err) {
    if (err instanceof RowError) return null;
    throw err;
  }
}

/** Groups rows into pages of `size`. */
async function* pagesOf<T, U>(rows: AsyncIterable<T>, size: number, map: (r: T) => U): AsyncGenerator<U[]> {
  let page: U[] = [];
  for await (const r of rows) {
    page.push(map(r));
    if (page.length >= size) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

/**
 * One pass over a streamed source: rows, repeated ids, first dimension. JSON Lines and JSON
 * arrays are parsed here once: what was parsed goes to a normalized table that the chunks read
 * (import-table.ts); a malformed CSV and a dead-letter file are read again by the chunks.
 */
async function planStream(
  file: string,
  format: 'jsonl' | 'json' | 'csv' | 'dead-letter',
  workDir: string,
): Promise<SourcePlan> {
  const header = format === 'csv' ? await csvHeader(file) : null;
  const plan: SourcePlan = {
    format,
    file,
    table: false,
    header,
    indexName: format === 'jsonl' ? 'line' : 'row',
    total: 0,
    duplicates: 0,
    duplicatesFile: null,
    dimension: null,
  };
  const ids = await IdCollector.open();
  // A JSON array's elements come straight from its splitter, one per line.
  const source = format === 'json' ? lineRows(jsonArrayLines(file), { pos: 0, index: 0 }, 'row') : null;
  async function* rows(): AsyncGenerator<ReadRow> {
    for await (const r of source ?? readSource(plan, { pos: 0, index: 0 })) {
      plan.total++;
      if (!('error' in r)) {
        if (plan.dimension === null && r.row && typeof r.row === 'object') plan.dimension = dimensionOf(r.row);
        const id = (r.row as { id?: unknown } | null)?.id;
        if (id !== undefined && id !== null && id !== '') ids.add(r.index, String(id));
      }
      yield r;
    }
  }
  try {
    if (format === 'jsonl' || format === 'json') {
      const table = path.join(workDir, PARSED);
      await writeParsedRows(table, pagesOf(rows(), 1000, parsedRow));
      Object.assign(plan, { file: table, table: true });
    } else for await (const _ of rows());
  } catch (err) {
    await ids.close();
    throw err;
  }
  const out = path.join(workDir, DUPLICATES);
  plan.duplicates = await ids.finish(out);
  plan.duplicatesFile = plan.duplicates ? out : null;
  return plan;
}

// A JSON array of numbers, exactly as JSON.parse reads one (DuckDB's list cast also takes `+1`,
// `.5`, `nan`, quoted numbers…; its JSON reader, yyjson, reads a bare `-0` as 0): only text
// matching it is parsed by DuckDB. Its JSON reader parses ≈ 5× faster than its list cast.
const JSON_FRACTION = '\\.[0-9]+';
const JSON_EXPONENT = '[eE][+-]?[0-9]+';
const JSON_NUMBER = `(-?[1-9][0-9]*(${JSON_FRACTION})?(${JSON_EXPONENT})?|-?0${JSON_FRACTION}(${JSON_EXPONENT})?|-?0${JSON_EXPONENT}|0)`;
const JSON_SPACE = '[ \\t\\n\\r]*';
const JSON_NUMBERS = `${JSON_SPACE}\\[${JSON_SPACE}(${JSON_NUMBER}${JSON_SPACE}(,${JSON_SPACE}${JSON_NUMBER}${JSON_SPACE})*)?\\]${JSON_SPACE}`;

/**
 * The rows of `source`, with vector text (a VARCHAR `values`) parsed by DuckDB into DOUBLE[]
 * `__vector` — on DuckDB's threads, instead of JSON.parse on the thread that writes to the
 * store. Text that is not a plain JSON array of numbers stays in `values`, where the chunk
 * reports it as before. Doubles, as JSON.parse reads them: the vector is rounded to float32
 * once, like every other import's.
 */
async function withParsedVectors(con: DuckDBConnection, source: string): Promise<string> {
  const columns = (await con.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${source})`))
    .getRows()
    .map(([name, type]) => ({ name: String(name), type: String(type) }));
  const values = columns.find((c) => c.name === 'values');
  if (values?.type !== 'VARCHAR' || columns.some((c) => c.name === PARSED_VECTOR || c.name === '__parsed'))
    return `SELECT * FROM ${source}`;
  const parsed = `CASE WHEN regexp_full_match("values", ${sqlString(JSON_NUMBERS)}) THEN from_json("values", '["DOUBLE"]') END`;
  return `SELECT * EXCLUDE (__parsed) REPLACE (CASE WHEN __parsed IS NULL THEN "values" END AS "values"), __parsed AS ${PARSED_VECTOR} FROM (SELECT *, ${parsed} AS __parsed FROM ${source})`;
}

/** Parquet and well-formed CSV: normalized by DuckDB into a row-numbered Parquet file. */
async function planTable(
  file: string,
  format: 'parquet' | 'csv',
  workDir: string,
  source: string,
  limits?: ImportLimits,
): Promise<SourcePlan> {
  const normalized = path.join(workDir, NORMALIZED);
  const con = await duckdb();
  try {
    if (format === 'parquet' && limits) await assertParquetWithin(con, file, limits);
    // Rows keep their order (DuckDB preserves insertion order) and are numbered when read
    // (normalizedTable): a row_number() window here would hold the whole file in memory.
    await con.run(
      `COPY (${await withParsedVectors(con, source)}) TO ${sqlString(normalized)} (FORMAT parquet, ROW_GROUP_SIZE 4096)`,
    );
    const src = normalizedTable(normalized);
    const total = Number((await con.runAndReadAll(`SELECT count(*) FROM ${src}`)).getRows()[0][0]);
    const columns = (await con.runAndReadAll(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${src})`))
      .getRows()
      .map((r) => String(r[0]));
    const idExpr = columns.includes('id') ? 'CAST(id AS VARCHAR)' : null;
    const out = path.join(workDir, DUPLICATES);
    const duplicates = idExpr ? await findDuplicates(con, `SELECT __row AS idx, ${idExpr} AS k FROM ${src}`, out) : 0;
    const plan: SourcePlan = {
      format,
      file: normalized,
      table: true,
      header: null,
      indexName: 'row',
      total,
      duplicates,
      duplicatesFile: duplicates ? out : null,
      dimension: null,
    };
    let tries = 0;
    for await (const r of tableRows(normalized, { pos: 0, index: 0 }, 1000)) {
      if ('row' in r && r.row && typeof r.row === 'object' && (plan.dimension = dimensionOf(r.row)) !== null) break;
      if (++tries >= 1000) break;
    }
    return plan;
  } finally {
    con.closeSync();
  }
}

/**
 * CSV goes through DuckDB (several times faster) when the file is well-formed; DuckDB refuses
 * a record with the wrong number of fields, and then the streaming reader reports each one.
 */
async function planCsv(file: string, workDir: string): Promise<SourcePlan> {
  const header = await csvHeader(file);
  if (header.length === 0 || new Set(header).size !== header.length) return planStream(file, 'csv', workDir);
  const columns = header.map((h) => `${sqlString(h)}: 'VARCHAR'`).join(', ');
  const source = `read_csv(${sqlString(file)}, header = true, auto_detect = false, columns = {${columns}}, delim = ',', quote = '"', escape = '"', strict_mode = true, null_padding = false)`;
  try {
    return { ...(await planTable(file, 'csv', workDir, source)), header };
  } catch {
    return planStream(file, 'csv', workDir);
  }
}

/**
 * Plans a source; throws (a plain Error from the parser) when the file cannot be read at all, a
 * ValidationError when a Parquet file is over the limits.
 */
export function planSource(
  file: string,
  format: SourceFormat,
  workDir: string,
  limits?: ImportLimits,
): Promise<SourcePlan> {
  if (format === 'parquet') return planTable(file, format, workDir, `read_parquet(${sqlString(file)})`, limits);
  return format === 'csv' ? planCsv(file, workDir) : planStream(file, format, workDir);
}
