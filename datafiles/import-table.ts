import { packPages, packRows, writeThroughThread } from './parquet-stream.js';
import type { ReadRow } from './readers.js';

// JSON Lines (and JSON arrays, split into lines) are parsed once, by the planning pass, which
// writes what it parsed to a normalized table on a writer thread: per row its line, its vector
// as float32s, the rest of the row as JSON text (short: the vector was most of the line), or
// the line's error. Chunks then read that table (table-rows.ts) instead of parsing every line
// again on the thread that writes to the store.

/** A row as the planning pass parsed it. */
export interface ParsedRow {
  line: number;
  /** The row without its vector when `vector` is set; else the whole row; for an error, its text. */
  json: string;
  vector: Float32Array | null;
  error: string | null;
}

/**
 * A read row as stored for the chunks. Only a vector that passes every check of `rowToPoint`
 * (a non-empty array of finite numbers within float32) is taken out of the row; any other
 * `values` stays in its JSON, where the chunk reports it exactly as before.
 */
export function parsedRow(r: ReadRow): ParsedRow {
  if ('error' in r) return { line: r.index, json: String(r.data), vector: null, error: r.error };
  const row = r.row as unknown;
  const values = (row as { values?: unknown } | null)?.values;
  if (row && typeof row === 'object' && !Array.isArray(row) && Array.isArray(values) && values.length > 0) {
    const vector = Float32Array.from(values as number[]);
    let clean = true;
    for (let i = 0; i < values.length && clean; i++)
      clean = typeof values[i] === 'number' && Number.isFinite(vector[i]);
    if (clean) {
      const { values: _values, ...rest } = row as Record<string, unknown>;
      return { line: r.index, json: JSON.stringify(rest), vector, error: null };
    }
  }
  return { line: r.index, json: JSON.stringify(row), vector: null, error: null };
}

/** Writes pages of parsed rows, in order, to the Parquet table `file` (appears when complete). */
export async function writeParsedRows(file: string, pages: AsyncIterable<ParsedRow[]>): Promise<number> {
  // The writer's page layout; its table function `vecflow_parsed_rows` names the columns.
  const pack = (rows: ParsedRow[]) =>
    packRows(rows.map((r) => ({ text: r.json, vector: r.vector, other: r.error ?? '', integer: BigInt(r.line) })));
  const { rows } = await writeThroughThread(
    file,
    packPages(pages, pack),
    { ordered: true, digest: false, hash: false },
    {
      // Empty vectors and errors cross as empty values: NULL in the table.
      select: `SELECT __line, CASE WHEN len(__vector) > 0 THEN __vector END AS __vector, __json, NULLIF(__error, '') AS __error FROM vecflow_parsed_rows()`,
      options: 'FORMAT PARQUET, ROW_GROUP_SIZE 4096, COMPRESSION uncompressed',
    },
  );
  return rows;
}
