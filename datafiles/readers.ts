import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import readline from 'node:readline';
import { duckdb, sqlString } from './duckdb.js';

// Reading import files row by row, with the row's position for error reports: JSONL streams
// line by line in Node (so every bad line gets the parser's own message); CSV, JSON arrays and
// Parquet are parsed by DuckDB. `offset` skips rows already processed (resuming a job).
export type ImportFormat = 'csv' | 'json' | 'jsonl' | 'parquet';
export const IMPORT_FORMATS: ImportFormat[] = ['csv', 'json', 'jsonl', 'parquet'];

export type ReadRow = { index: number; row: Record<string, unknown> } | { index: number; error: string; data: unknown };

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
    const text = head.toString('utf8').trimStart();
    if (text.startsWith('[')) return 'json';
    if (text.startsWith('{')) return 'jsonl';
    return 'csv';
  } finally {
    await fh.close();
  }
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof v === 'object' && 'items' in v && Array.isArray((v as { items: unknown[] }).items)) return (v as { items: unknown[] }).items.map(plain);
  if (v && typeof v === 'object' && 'entries' in v && typeof (v as { entries: unknown }).entries === 'object') {
    return Object.fromEntries(Object.entries((v as { entries: Record<string, unknown> }).entries).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

async function* viaDuckDB(select: string, offset: number): AsyncGenerator<ReadRow> {
  const con = await duckdb();
  try {
    const result = await con.stream(`${select} LIMIT 9223372036854775807 OFFSET ${Math.floor(offset)}`);
    const names = result.columnNames();
    let index = offset;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const r of chunk.getRowObjects(names)) {
        index++;
        if ('json' in r && names.length === 1) {
          // JSON arrays arrive element by element as JSON text: parse each on its own.
          try {
            yield { index, row: JSON.parse(String(r.json)) };
          } catch (err) {
            yield { index, error: `Invalid JSON: ${(err as Error).message}`, data: String(r.json).slice(0, 1000) };
          }
        } else {
          yield { index, row: Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])) };
        }
      }
    }
  } finally {
    con.closeSync();
  }
}

async function* jsonl(file: string, offset: number): AsyncGenerator<ReadRow> {
  const rl = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (line <= offset || !text.trim()) continue;
    try {
      yield { index: line, row: JSON.parse(text) };
    } catch (err) {
      yield { index: line, error: `Invalid JSON: ${(err as Error).message}`, data: text.slice(0, 1000) };
    }
  }
}

/** Rows of an import file from `offset` on; `index` is the 1-based data row (or line, for JSONL). */
export function readRows(file: string, format: ImportFormat, offset = 0): AsyncGenerator<ReadRow> {
  const f = sqlString(file);
  switch (format) {
    case 'jsonl':
      return jsonl(file, offset);
    case 'csv':
      return viaDuckDB(`SELECT * FROM read_csv(${f}, header = true, all_varchar = true, auto_detect = true)`, offset);
    case 'json':
      return viaDuckDB(`SELECT json::VARCHAR AS json FROM read_json(${f}, format = 'array', records = false, columns = {json: 'JSON'})`, offset);
    case 'parquet':
      return viaDuckDB(`SELECT * FROM read_parquet(${f})`, offset);
  }
}
