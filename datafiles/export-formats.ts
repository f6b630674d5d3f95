import { copyFile, open } from 'node:fs/promises';
import { duckdb, sqlString } from './duckdb.js';
import { lines } from './readers.js';
import { COLUMNS } from './rows.js';

// Export files are first written as JSONL (the seed's columns, one row per point), then turned
// into the requested format: JSON arrays in Node, CSV and Parquet by DuckDB. In CSV, values and
// metadata are JSON text in their cells (as in the seed); Parquet has values as a list of
// float32, chunk_index/chunk_count as integers, and JSON text for metadata.
export type ExportFormat = 'csv' | 'json' | 'jsonl' | 'parquet';

export const EXPORT_FILE: Record<ExportFormat, string> = { csv: 'export.csv', json: 'export.json', jsonl: 'export.jsonl', parquet: 'export.parquet' };
export const CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  jsonl: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
};

async function jsonArray(part: string, out: string): Promise<void> {
  const fh = await open(out, 'w');
  try {
    let first = true;
    let buf = '[\n';
    for await (const { text } of lines(part, { pos: 0, index: 0 })) {
      if (!text) continue;
      buf += (first ? '' : ',\n') + text;
      first = false;
      if (buf.length > 1 << 20) {
        await fh.write(buf);
        buf = '';
      }
    }
    await fh.write(`${buf}\n]\n`);
  } finally {
    await fh.close();
  }
}

const quoteIdent = (c: string) => `"${c.replace(/"/g, '""')}"`;
/** A JSON cell as text: strings as themselves, anything else as JSON. */
const asText = (c: string) => `CASE WHEN json_type(${quoteIdent(c)}) = 'VARCHAR' THEN ${quoteIdent(c)}->>'$' ELSE ${quoteIdent(c)}::VARCHAR END`;

async function viaDuckDB(part: string, out: string, format: 'csv' | 'parquet', columns: string[]): Promise<void> {
  const ordered = [...COLUMNS.filter((c) => columns.includes(c) || c === 'id' || c === 'values'), ...columns.filter((c) => !(COLUMNS as readonly string[]).includes(c))];
  const types = ordered.map((c) => `${sqlString(c)}: ${c === 'id' ? "'VARCHAR'" : c === 'values' ? "'FLOAT[]'" : "'JSON'"}`).join(', ');
  const src = `read_json(${sqlString(part)}, format = 'newline_delimited', columns = {${types}})`;
  const con = await duckdb();
  try {
    const integer = async (c: string) =>
      Number((await con.runAndReadAll(`SELECT count(*) FROM ${src} WHERE ${quoteIdent(c)} IS NOT NULL AND TRY_CAST(${asText(c)} AS BIGINT) IS NULL`)).getRows()[0][0]) === 0;
    const select: string[] = [];
    for (const c of ordered) {
      if (c === 'id') select.push('id');
      else if (c === 'values') select.push(format === 'csv' ? 'values::VARCHAR AS "values"' : '"values"');
      else if (c === 'metadata') select.push(`metadata::VARCHAR AS metadata`);
      else if (format === 'parquet' && (c === 'chunk_index' || c === 'chunk_count') && (await integer(c))) select.push(`TRY_CAST(${asText(c)} AS BIGINT) AS ${quoteIdent(c)}`);
      else select.push(`${asText(c)} AS ${quoteIdent(c)}`);
    }
    const options = format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT parquet, COMPRESSION zstd';
    await con.run(`COPY (SELECT ${select.join(', ')} FROM ${src}) TO ${sqlString(out)} (${options})`);
  } finally {
    con.closeSync();
  }
}

/** Writes `out` in `format` from the JSONL part; `columns` are every key the rows have. */
export async function convertExport(part: string, out: string, format: ExportFormat, columns: string[]): Promise<void> {
  if (format === 'jsonl') return copyFile(part, out);
  if (format === 'json') return jsonArray(part, out);
  return viaDuckDB(part, out, format, columns);
}
