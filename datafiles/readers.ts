import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { parse as parseCsv } from 'csv-parse/sync';
import { MAX_RECORD_BYTES, boundedLines, csvSplitter } from './lines.js';

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

/** Read size for streamed formats: large reads make long lines cheap to skip. */
const CHUNK = 1024 * 1024;

export const truncated = (text: string) => (text.length > 2000 ? `${text.slice(0, 2000)}…` : text);

/**
 * JSONL: one object per line; blank lines are skipped, lines are numbered from 1, each capped at
 * MAX_RECORD_BYTES. Errors name a record a `line` (those of a JSON array, split into lines, a `row`).
 */
export function jsonlRows(file: string, from: Cursor, noun: 'line' | 'row' = 'line'): AsyncGenerator<ReadRow> {
  return lineRows(createReadStream(file, { start: from.pos, highWaterMark: CHUNK }), from, noun);
}

/** JSON Lines rows from a stream of bytes that starts at `from` (a file, or a JSON array's elements). */
export async function* lineRows(
  source: AsyncIterable<Buffer>,
  from: Cursor,
  noun: 'line' | 'row' = 'line',
): AsyncGenerator<ReadRow> {
  let index = from.index;
  for await (const line of boundedLines(source, MAX_RECORD_BYTES, from.pos)) {
    const next = { pos: line.end, index: ++index };
    if ('tooLong' in line) {
      yield {
        index,
        error: `${noun} ${index} is ${line.bytes} bytes, over the ${MAX_RECORD_BYTES}-byte limit of one record`,
        data: truncated(line.head),
        next,
      };
      continue;
    }
    const { text } = line;
    if (!text.trim()) continue;
    const first = index === 1 ? text.replace(/^\uFEFF/, '') : text;
    try {
      yield { index, row: JSON.parse(first), next };
    } catch (err) {
      yield { index, error: `Invalid JSON: ${(err as Error).message}`, data: truncated(text), next };
    }
  }
}

/** The header of a CSV file (its first record). */
export async function csvHeader(file: string): Promise<string[]> {
  const parser = createReadStream(file).pipe(
    parse({ bom: true, to_line: 1, relax_column_count: true, max_record_size: MAX_RECORD_BYTES }),
  );
  for await (const record of parser as AsyncIterable<string[]>) return record.map((c) => c.trim());
  return [];
}

/**
 * CSV with a header row; rows are numbered from 1 after it. Records are split first (quote-aware,
 * each capped at MAX_RECORD_BYTES) and then parsed one by one, so a record that is too long,
 * has the wrong number of fields or broken quoting is reported on its own and the file goes on.
 */
export async function* csvRows(file: string, header: string[], from: Cursor): AsyncGenerator<ReadRow> {
  let index = from.index;
  let first = from.pos === 0;
  const source = createReadStream(file, { start: from.pos, highWaterMark: CHUNK }) as AsyncIterable<Buffer>;
  for await (const line of boundedLines(source, MAX_RECORD_BYTES, from.pos, csvSplitter())) {
    const isHeader = first;
    first = false;
    if (isHeader) continue;
    if ('text' in line && !line.text.trim()) continue; // blank lines are not records
    const next = { pos: line.end, index: ++index };
    if ('tooLong' in line) {
      const error = `row ${index} is ${line.bytes} bytes, over the ${MAX_RECORD_BYTES}-byte limit of one record`;
      yield { index, error, data: truncated(line.head), next };
      continue;
    }
    let record: string[];
    try {
      [record = []] = parseCsv(line.text, { relax_column_count: true, record_delimiter: '\n' }) as string[][];
    } catch (err) {
      yield { index, error: `Invalid CSV: ${(err as Error).message}`, data: truncated(line.text), next };
      continue;
    }
    if (record.length !== header.length) {
      yield {
        index,
        error: `Expected ${header.length} columns (${header.join(',')}), found ${record.length}`,
        data: truncated(line.text),
        next,
      };
      continue;
    }
    yield { index, row: Object.fromEntries(header.map((h, i) => [h, record[i]])), next };
  }
}
