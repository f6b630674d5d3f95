import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdb, sqlString } from './duckdb.js';
import { COLUMNS } from './rows.js';

// Export files: points are first written as Parquet parts in the backup's layout, then DuckDB
// turns the parts into the seed's columns in the requested format. JSON and JSONL keep payload
// values as they are; in CSV, values and metadata are JSON text in their cells (as in the seed);
// Parquet has values as a list of float32, chunk_index/chunk_count as integers when they all
// are, and metadata as JSON text.
export type ExportFormat = 'csv' | 'json' | 'jsonl' | 'parquet';

export const EXPORT_FILE: Record<ExportFormat, string> = {
  csv: 'export.csv',
  json: 'export.json',
  jsonl: 'export.jsonl',
  parquet: 'export.parquet',
};
export const CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  jsonl: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
};

const quoteIdent = (c: string) => `"${c.replace(/"/g, '""')}"`;
/** A payload field by JSON Pointer (RFC 6901): any key, quotes, backslashes, dots and "" included. */
const field = (c: string) => `(p->${sqlString(`/${c.replace(/~/g, '~0').replace(/\//g, '~1')}`)})`;
/** A payload field as text: strings as themselves, anything else as its JSON. */
const asText = (c: string) =>
  `CASE WHEN json_type(${field(c)}) = 'VARCHAR' THEN ${field(c).replace('->', '->>')} ELSE ${field(c)}::VARCHAR END`;
const MAX_EXTRA_COLUMNS = 200;
/** A column's value as JSON text; FLOAT[] as text is the shortest form that reads back exactly. */
function jsonText(c: string): string {
  if (c === 'id') return 'to_json(id)::VARCHAR';
  // The same shortest forms as vector::VARCHAR, without its spaces: ≈ 0.6× the time of removing them.
  if (c === 'values') return `concat('[', array_to_string(vector, ','), ']')`;
  if (c === 'metadata') return `coalesce(p->'metadata', '{}'::JSON)::VARCHAR`;
  return `coalesce(${field(c)}::VARCHAR, 'null')`;
}

/**
 * Writes a one-column query of JSON texts as JSON Lines or one JSON array, by DuckDB's CSV writer
 * with a delimiter and quote that JSON text never holds unescaped (control characters), so each
 * text is written as it is, one per line — streamed, on DuckDB's threads. (DuckDB's own JSON
 * writer held memory per row written: the export of one 20,000 × 768-d part ran out of its
 * 256 MB; taking the texts into JS to write them cost as much as building them.)
 */
async function writeJsonTexts(con: DuckDBConnection, sql: string, out: string, array: boolean): Promise<void> {
  const verbatim = `FORMAT csv, HEADER false, DELIMITER '\x01', QUOTE '\x02', ESCAPE '\x02'`;
  const options = array ? `${verbatim}, PREFIX '[\n', SUFFIX '\n]\n', NEW_LINE ',\n'` : verbatim;
  await con.run(`COPY (${sql}) TO ${sqlString(out)} (${options})`);
}

/** Writes the rows of the export's Parquet parts (backup layout) to `out` in `format`, by DuckDB. */
export async function convertExport(parts: string[], out: string, format: ExportFormat): Promise<void> {
  const con = await duckdb();
  try {
    await con.run(
      `CREATE TEMP VIEW src AS SELECT id, vector, payload::JSON AS p FROM read_parquet([${parts.map(sqlString).join(', ')}])`,
    );
    // Payload fields besides the seed's columns become columns of their own.
    const keys = (
      await con.runAndReadAll(
        `SELECT DISTINCT unnest(json_keys(p)) AS k FROM src ORDER BY k LIMIT ${MAX_EXTRA_COLUMNS + COLUMNS.length}`,
      )
    )
      .getRows()
      .map((r) => String(r[0]));
    const extras = keys.filter((k) => !(COLUMNS as readonly string[]).includes(k)).slice(0, MAX_EXTRA_COLUMNS);
    const integer = async (c: string) =>
      Number(
        (
          await con.runAndReadAll(
            `SELECT count(*) FROM src WHERE ${field(c)} IS NOT NULL AND TRY_CAST(${asText(c)} AS BIGINT) IS NULL`,
          )
        ).getRows()[0][0],
      ) === 0;
    const columns = [...COLUMNS, ...extras];
    if (format === 'json' || format === 'jsonl') {
      // Each row's JSON text is built by DuckDB as a string (its shortest float32 forms) and
      // written from here.
      // One concat(): each row's text allocated once, not once per `||`.
      const parts = columns.flatMap((c, i) => [sqlString(`${i ? ',' : '{'}${JSON.stringify(c)}:`), jsonText(c)]);
      await writeJsonTexts(con, `SELECT concat(${parts.join(', ')}, '}') FROM src`, out, format === 'json');
      return;
    }
    const select: string[] = [];
    for (const c of columns) {
      if (c === 'id') select.push('id');
      else if (c === 'values') select.push(format === 'parquet' ? 'vector AS "values"' : 'vector::VARCHAR AS "values"');
      else if (c === 'metadata') select.push(`coalesce(p->'metadata', '{}'::JSON)::VARCHAR AS metadata`);
      else if (format === 'parquet' && (c === 'chunk_index' || c === 'chunk_count') && (await integer(c)))
        select.push(`TRY_CAST(${asText(c)} AS BIGINT) AS ${quoteIdent(c)}`);
      else select.push(`${asText(c)} AS ${quoteIdent(c)}`);
    }
    const options = format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT parquet, COMPRESSION zstd';
    await con.run(`COPY (SELECT ${select.join(', ')} FROM src) TO ${sqlString(out)} (${options})`);
  } finally {
    con.closeSync();
  }
}
