import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { duckdb, sqlString } from './duckdb.js';

// Reading import files row by row, each row with its position for error reports and a cursor
// to resume after it. JSONL and CSV stream in Node from a byte offset (so a retried chunk
// starts where the last one stopped, and every bad line gets its own message); JSON arrays and
// Parquet are first normalized by DuckDB into a Parquet file numbered by row (see sources.ts).
export type ImportFormat = 'csv' | 'json' | 'jsonl' | 'parquet';
export const IMPORT_FORMATS: ImportFormat[] = ['csv', 'json', 'jsonl', 'parquet'];

/** Where reading stopped: a byte offset (JSONL, CSV) or rows consumed (tables), and the last row/line number. */
export interface Cursor {
  pos: number;
  index: number;
}

export type ReadRow = (
  { index: number; row: Record<string, unknown> } | { index: number; error: string; data: unknown }
) & { next: Cursor };

/** The format from the file name, else from the first bytes. */
export async function detectFormat(file: string, name = file): Promise<ImportFormat> {
  const ext = name.toLowerCase().split('.').pop();
  if (ext === 'ndjson') return 'jsonl';
  if (ext && (IMPORT_FORMATS as string[]).includes(ext)) return ext as ImportFormat;
  const fh = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(512), 0, 512, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
    const text = head
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    if (text.startsWith('[')) return 'json';
    if (text.startsWith('{')) return 'jsonl';
    return 'csv';
  } finally {
    await fh.close();
  }
}

const truncated = (text: string) => (text.length > 2000 ? `${text.slice(0, 2000)}…` : text);

/** Lines of a file from a byte offset, with the offset after each (LF or CRLF, UTF-8). */
export async function* lines(file: string, from: Cursor): AsyncGenerator<{ text: string; next: Cursor }> {
  let pos = from.pos;
  let index = from.index;
  let pending: Buffer[] = [];
  for await (const chunk of createReadStream(file, { start: from.pos }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      const line = Buffer.concat([...pending, chunk.subarray(start, nl)]);
      pending = [];
      pos += line.length + 1;
      yield { text: line.toString('utf8').replace(/\r$/, ''), next: { pos, index: ++index } };
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  const rest = Buffer.concat(pending);
  if (rest.length) yield { text: rest.toString('utf8'), next: { pos: pos + rest.length, index: index + 1 } };
}

/** JSONL: one object per line; blank lines are skipped, lines are numbered from 1. */
export async function* jsonlRows(file: string, from: Cursor): AsyncGenerator<ReadRow> {
  for await (const { text, next } of lines(file, from)) {
    if (!text.trim()) continue;
    const first = next.index === 1 ? text.replace(/^\uFEFF/, '') : text;
    try {
      yield { index: next.index, row: JSON.parse(first), next };
    } catch (err) {
      yield { index: next.index, error: `Invalid JSON: ${(err as Error).message}`, data: truncated(text), next };
    }
  }
}

/** The header of a CSV file (its first record). */
export async function csvHeader(file: string): Promise<string[]> {
  const parser = createReadStream(file).pipe(parse({ bom: true, to_line: 1, relax_column_count: true }));
  for await (const record of parser as AsyncIterable<string[]>) return record.map((c) => c.trim());
  return [];
}

/**
 * CSV with a header row; rows are numbered from 1 after it. A record with the wrong number of
 * fields is reported on its own; broken quoting stops the file (the parser says where).
 */
export async function* csvRows(file: string, header: string[], from: Cursor): AsyncGenerator<ReadRow> {
  const parser = createReadStream(file, { start: from.pos }).pipe(
    parse({ bom: from.pos === 0, info: true, raw: true, relax_column_count: true, skip_empty_lines: true }),
  );
  let index = from.index;
  let skipHeader = from.pos === 0;
  for await (const { record, info, raw } of parser as AsyncIterable<{
    record: string[];
    info: { bytes: number };
    raw: string;
  }>) {
    const next = { pos: from.pos + info.bytes, index };
    if (skipHeader) {
      skipHeader = false;
      continue;
    }
    next.index = ++index;
    if (record.length !== header.length) {
      yield {
        index,
        error: `Expected ${header.length} columns (${header.join(',')}), found ${record.length}`,
        data: truncated(raw.replace(/[\r\n]+$/, '')),
        next,
      };
      continue;
    }
    yield { index, row: Object.fromEntries(header.map((h, i) => [h, record[i]])), next };
  }
}

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

/**
 * Rows of a normalized table (a Parquet file with a `__row` number, see sources.ts) after
 * `from.pos`. JSON-array elements arrive as JSON text in one `json` column and are parsed here.
 */
export async function* tableRows(file: string, from: Cursor, limit = Number.MAX_SAFE_INTEGER): AsyncGenerator<ReadRow> {
  const con = await duckdb();
  try {
    const result = await con.stream(
      `SELECT * FROM read_parquet(${sqlString(file)}) WHERE __row > ${Math.floor(from.pos)} AND __row <= ${Math.floor(from.pos + limit)} ORDER BY __row`,
    );
    const names = result.columnNames();
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const r of chunk.getRowObjects(names)) {
        const { __row, ...rest } = r;
        const index = Number(__row);
        const next = { pos: index, index };
        if (names.length === 2 && 'json' in rest) {
          try {
            yield { index, row: JSON.parse(String(rest.json)), next };
          } catch (err) {
            yield { index, error: `Invalid JSON: ${(err as Error).message}`, data: truncated(String(rest.json)), next };
          }
        } else {
          yield { index, row: Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, plain(v)])), next };
        }
      }
    }
  } finally {
    con.closeSync();
  }
}

/** DuckDB's reader for a table format, as a SELECT list source. */
export function tableSource(file: string, format: 'json' | 'parquet'): string {
  const f = sqlString(file);
  return format === 'json'
    ? `(SELECT json::VARCHAR AS json FROM read_json(${f}, format = 'array', records = false, columns = {json: 'JSON'}))`
    : `read_parquet(${f})`;
}
