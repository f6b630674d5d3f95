import type { DuckDBListVector } from '@duckdb/node-api';
import { duckdb, sqlString } from './duckdb.js';
import { isFloatList, listReader } from './list-vectors.js';
import { type Cursor, type ReadRow, truncated } from './readers.js';

// Rows of a normalized table: a Parquet file that planning wrote (sources.ts), numbered by row
// (JSON Lines: by line, import-table.ts).
// Vectors come out as typed arrays: a `values` column of FLOAT[]/DOUBLE[] (Parquet imports) and
// `__vector`, the vector text of a CSV or Parquet row that DuckDB parsed while normalizing
// (the row's `values` text is kept only where it did not parse, for its error report).

/** The column a normalized table keeps the vectors DuckDB parsed from text in. */
export const PARSED_VECTOR = '__vector';

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof v === 'object' && 'items' in v && Array.isArray((v as { items: unknown[] }).items))
    return (v as { items: unknown[] }).items.map(plain);
  if (v && typeof v === 'object' && 'entries' in v && typeof (v as { entries: unknown }).entries === 'object') {
    return Object.fromEntries(
      Object.entries((v as { entries: Record<string, unknown> }).entries).map(([k, x]) => [k, plain(x)]),
    );
  }
  return v;
}

/** A parsed row with its vector put back (a row that is not an object is left as it is, for its error). */
function withVector(row: unknown, vector: unknown): unknown {
  if (vector !== null && row && typeof row === 'object' && !Array.isArray(row))
    (row as Record<string, unknown>).values = vector;
  return row;
}

/**
 * Rows of a normalized table after `from.pos`. A table with one `json` column (JSON arrays, as
 * imports planned by versions before 2026-12-02 normalized them) has each element's JSON text,
 * parsed here.
 */
export async function* tableRows(file: string, from: Cursor, limit = Number.MAX_SAFE_INTEGER): AsyncGenerator<ReadRow> {
  const con = await duckdb();
  try {
    const result = await con.stream(
      `SELECT * FROM ${normalizedTable(file)} WHERE __row > ${Math.floor(from.pos)} AND __row <= ${Math.floor(from.pos + limit)} ORDER BY __row`,
    );
    const names = result.columnNames();
    const types = result.columnTypes();
    const typed = names.map((n, c) => (n === 'values' || n === PARSED_VECTOR) && isFloatList(types[c]));
    const legacyJson = names.length === 2 && names.includes('json');
    const rowAt = names.indexOf('__row');
    const parsedAt = names.indexOf(PARSED_VECTOR);
    const parsedLines = names.includes('__json');
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const columns = names.map((_, c) => (typed[c] ? null : chunk.getColumnValues(c)));
      const lists = names.map((_, c) => (typed[c] ? (chunk.getColumnVector(c) as DuckDBListVector) : null));
      const readers = lists.map((list) => list && listReader(list));
      // A list with a NULL element is read as numbers and nulls, so its error names the element.
      const value = (c: number, i: number) => {
        const read = readers[c];
        return read ? (read(i) ?? plain(lists[c]!.getItem(i))) : plain(columns[c]![i]);
      };
      for (let i = 0; i < chunk.rowCount; i++) {
        const row: Record<string, unknown> = {};
        for (let c = 0; c < names.length; c++) if (c !== rowAt && c !== parsedAt) row[names[c]] = value(c, i);
        const parsed = parsedAt < 0 ? null : value(parsedAt, i);
        if (parsed !== null && !parsedLines) row.values = parsed;
        const pos = Number(columns[rowAt]![i]);
        if (parsedLines) {
          // A JSON Lines row as planning parsed it (import-table.ts): numbered by its line.
          const index = Number(row.__line);
          const next = { pos, index };
          if (row.__error !== null) yield { index, error: String(row.__error), data: row.__json, next };
          else
            yield { index, row: withVector(JSON.parse(String(row.__json)), parsed) as Record<string, unknown>, next };
          continue;
        }
        const index = pos;
        const next = { pos, index };
        if (legacyJson) {
          try {
            yield { index, row: JSON.parse(String(row.json)), next };
          } catch (err) {
            yield { index, error: `Invalid JSON: ${(err as Error).message}`, data: truncated(String(row.json)), next };
          }
        } else yield { index, row, next };
      }
    }
  } finally {
    con.closeSync();
  }
}

/** A normalized table's rows with their number in the file, `__row`, counted from 1. */
export function normalizedTable(file: string): string {
  return `(SELECT file_row_number + 1 AS __row, * EXCLUDE (file_row_number) FROM read_parquet(${sqlString(file)}, file_row_number = true))`;
}
