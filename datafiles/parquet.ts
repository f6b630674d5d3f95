import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { DuckDBListVector } from '@duckdb/node-api';
import type { Point } from '../core/types.js';
import { duckdb, sqlString } from './duckdb.js';
import { listFloat32 } from './list-vectors.js';
import { streamParquetPoints } from './parquet-stream.js';

// The Parquet layout of vecflow files: columns id (string), vector (list of float32), payload
// (JSON string), timestamp (int64), zstd, and key-value metadata describing the model. Written
// by streamParquetPoints (a thread of its own); read here.

export interface WrittenFile {
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * Writes a Parquet file from batches of points, in their order; the file appears (by rename)
 * only when complete.
 */
export async function writeParquet(
  file: string,
  batches: AsyncIterable<Point[]>,
  metadata: Record<string, string>,
): Promise<WrittenFile> {
  const { digest: _digest, ...written } = await streamParquetPoints(file, batches, metadata, {
    ordered: true,
    digest: false,
  });
  return written;
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function parquetInfo(
  file: string,
): Promise<{ rows: number; columns: string[]; metadata: Record<string, string> }> {
  const con = await duckdb();
  try {
    const rows = await con.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata(${sqlString(file)})`);
    const cols = await con.runAndReadAll(
      `SELECT name FROM parquet_schema(${sqlString(file)}) WHERE num_children IS NULL OR name <> 'schema'`,
    );
    const kv = await con.runAndReadAll(
      `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${sqlString(file)})`,
    );
    return {
      rows: Number((rows.getRowObjects()[0]?.num_rows as bigint | undefined) ?? 0),
      columns: cols.getRowObjects().map((r) => String(r.name)),
      metadata: Object.fromEntries(kv.getRowObjects().map((r) => [String(r.k), String(r.v)])),
    };
  } finally {
    con.closeSync();
  }
}

/**
 * Streams points out of a Parquet file in batches, skipping the first `offset` rows. Reads the
 * vecflow layout and the seed's LangChain layout (text vectors in `embedding`, `custom_id`,
 * `document`, `cmetadata`); text vectors are cast to float32 by DuckDB, so values come back
 * exactly as the float32s they were printed from.
 */
export async function* readParquet(
  file: string,
  options: { offset?: number; batchSize?: number } = {},
): AsyncGenerator<Point[]> {
  const { columns } = await parquetInfo(file);
  const select = columns.includes('vector')
    ? `SELECT id::VARCHAR, vector::FLOAT[], payload::VARCHAR, timestamp::BIGINT FROM read_parquet(${sqlString(file)})`
    : seedSelect(file, columns);
  const con = await duckdb();
  try {
    const result = await con.stream(
      `${select} LIMIT 9223372036854775807 OFFSET ${Math.max(0, Math.floor(options.offset ?? 0))}`,
    );
    let batch: Point[] = [];
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const [ids, payloads, stamps] = [0, 2, 3].map((c) => chunk.getColumnValues(c));
      const vector = listFloat32(chunk.getColumnVector(1) as DuckDBListVector);
      for (let i = 0; i < chunk.rowCount; i++) {
        batch.push({
          id: String(ids[i]),
          vector: vector(i) ?? new Float32Array(0),
          payload: payloads[i] === null ? {} : JSON.parse(String(payloads[i])),
          timestamp: (stamps[i] as bigint | null) ?? 0n,
        });
      }
      if (batch.length >= (options.batchSize ?? 1000)) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  } finally {
    con.closeSync();
  }
}

function seedSelect(file: string, columns: string[]): string {
  if (!columns.includes('embedding')) throw new Error(`${file}: neither a 'vector' nor an 'embedding' column`);
  // The seed's files: custom_id (older LangChain layout) is the caller's id, else id, else the row's uuid.
  const keys = ['custom_id', 'id', 'uuid'].filter((c) => columns.includes(c)).map((c) => `${c}::VARCHAR`);
  if (keys.length === 0) throw new Error(`${file}: no id, uuid or custom_id column`);
  const id = keys.length > 1 ? `coalesce(${keys.join(', ')})` : keys[0];
  const meta = columns.includes('cmetadata') ? `coalesce(cmetadata::VARCHAR, '{}')` : `'{}'`;
  const text = columns.includes('document') ? 'document::VARCHAR' : 'NULL';
  // payload = cmetadata with the document text under "page_content", as LangChain's Document has it
  const payload = `CASE WHEN ${text} IS NULL THEN ${meta} ELSE json_merge_patch(${meta}, json_object('page_content', ${text}))::VARCHAR END`;
  return `SELECT ${id}, embedding::VARCHAR::FLOAT[], ${payload}, 0::BIGINT FROM read_parquet(${sqlString(file)})`;
}
