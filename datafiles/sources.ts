import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { duckdb, sqlString } from './duckdb.js';
import { type Cursor, type ImportFormat, type ReadRow, csvHeader, csvRows, jsonlRows, tableRows, tableSource } from './readers.js';
import { RowError, rowToPoint } from './rows.js';

// An import source: the uploaded file, planned once before any row is written. Planning counts
// the rows (for progress), finds ids repeated within the file (the first occurrence wins, the
// others are reported) and the vector dimension of the first valid row (for a new dataset).
// JSON arrays and Parquet are normalized by DuckDB into a row-numbered Parquet file, which
// chunks then read by row range; JSONL and CSV are read in place from byte offsets.
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

const DUPLICATES = 'duplicates.json';
const NORMALIZED = 'rows.parquet';

/** Reads the rows of a planned source from a cursor (the start, or a chunk's checkpoint). */
export function readSource(plan: SourcePlan, from: Cursor, limit?: number): AsyncGenerator<ReadRow> {
  if (plan.table) return tableRows(plan.file, from, limit);
  if (plan.format === 'csv') return csvRows(plan.file, plan.header ?? [], from);
  if (plan.format === 'dead-letter') return deadLetterRows(plan.file, from);
  return jsonlRows(plan.file, from);
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

export async function loadDuplicates(plan: SourcePlan): Promise<Map<number, number>> {
  if (!plan.duplicatesFile) return new Map();
  return new Map(JSON.parse(await readFile(plan.duplicatesFile, 'utf8')) as [number, number][]);
}

function dimensionOf(row: Record<string, unknown>): number | null {
  try {
    return rowToPoint(row, null, 0n, { allowContentOnly: true }).vector.length || null;
  } catch (err) {
    if (err instanceof RowError) return null;
    throw err;
  }
}

async function saveDuplicates(workDir: string, dups: [number, number][]): Promise<string | null> {
  if (dups.length === 0) return null;
  const file = path.join(workDir, DUPLICATES);
  await writeFile(file, JSON.stringify(dups));
  return file;
}

/** One pass over a streamed source: rows, repeated ids, first dimension. */
async function planStream(file: string, format: 'jsonl' | 'csv' | 'dead-letter', workDir: string): Promise<SourcePlan> {
  const header = format === 'csv' ? await csvHeader(file) : null;
  const plan: SourcePlan = { format, file, table: false, header, indexName: format === 'jsonl' ? 'line' : 'row', total: 0, duplicates: 0, duplicatesFile: null, dimension: null };
  const seen = new Map<string, number>();
  const dups: [number, number][] = [];
  for await (const r of readSource(plan, { pos: 0, index: 0 })) {
    plan.total++;
    if ('error' in r) continue;
    if (plan.dimension === null && r.row && typeof r.row === 'object') plan.dimension = dimensionOf(r.row);
    const id = (r.row as { id?: unknown } | null)?.id;
    if (id === undefined || id === null || id === '') continue;
    const key = String(id);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, r.index);
    else dups.push([r.index, first]);
  }
  plan.duplicates = dups.length;
  plan.duplicatesFile = await saveDuplicates(workDir, dups);
  return plan;
}

/** JSON arrays, Parquet and well-formed CSV: normalized by DuckDB into a row-numbered Parquet file. */
async function planTable(file: string, format: 'json' | 'parquet' | 'csv', workDir: string, source: string): Promise<SourcePlan> {
  const normalized = path.join(workDir, NORMALIZED);
  const con = await duckdb();
  try {
    await con.run(`COPY (SELECT row_number() OVER () AS __row, * FROM ${source}) TO ${sqlString(normalized)} (FORMAT parquet, ROW_GROUP_SIZE 4096)`);
    const src = `read_parquet(${sqlString(normalized)})`;
    const total = Number((await con.runAndReadAll(`SELECT count(*) FROM ${src}`)).getRows()[0][0]);
    const columns = (await con.runAndReadAll(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${src})`)).getRows().map((r) => String(r[0]));
    const idExpr = format === 'json' ? `json_extract_string(json, '$.id')` : columns.includes('id') ? 'CAST(id AS VARCHAR)' : null;
    let dups: [number, number][] = [];
    if (idExpr) {
      const rows = await con.runAndReadAll(
        `SELECT __row, first FROM (SELECT __row, min(__row) OVER (PARTITION BY k) AS first FROM (SELECT __row, ${idExpr} AS k FROM ${src}) WHERE k IS NOT NULL AND k <> '') WHERE __row <> first ORDER BY __row`,
      );
      dups = rows.getRows().map((r) => [Number(r[0]), Number(r[1])]);
    }
    const plan: SourcePlan = { format, file: normalized, table: true, header: null, indexName: 'row', total, duplicates: dups.length, duplicatesFile: await saveDuplicates(workDir, dups), dimension: null };
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

/** Plans a source; throws (a plain Error from the parser) when the file cannot be read at all. */
export function planSource(file: string, format: SourceFormat, workDir: string): Promise<SourcePlan> {
  if (format === 'json' || format === 'parquet') return planTable(file, format, workDir, tableSource(file, format));
  return format === 'csv' ? planCsv(file, workDir) : planStream(file, format, workDir);
}
